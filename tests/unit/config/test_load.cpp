// Loading from disk: which file is read (--config, UCRUN_CONFIG, the
// default), an absent default against an absent named file, and files that
// are not plain small files.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/runtime_config.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using namespace ucrun::config;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/ucrun-config-test-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::string p = path + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
};

std::string error_of(const std::string& path, bool required) {
    try {
        load_runtime_config(path, required);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("--config wins over UCRUN_CONFIG, which wins over the default") {
    auto c = choose_config(std::string("/a.yaml"), "/b.yaml");
    CHECK(c.path == "/a.yaml");
    CHECK(c.required);
    CHECK(std::string(c.source) == "--config");
    c = choose_config(std::nullopt, "/b.yaml");
    CHECK(c.path == "/b.yaml");
    CHECK(c.required);
    CHECK(std::string(c.source) == "UCRUN_CONFIG");
    c = choose_config(std::nullopt, "");  // set but empty: as if unset
    CHECK(c.path == kDefaultConfigPath);
    CHECK_FALSE(c.required);
    c = choose_config(std::nullopt, nullptr);
    CHECK(c.path == "/etc/ucrun/ucrun.yaml");
    CHECK_FALSE(c.required);
}

TEST_CASE("an absent default file gives the defaults; an absent named file is an error") {
    TempDir d;
    auto c = load_runtime_config(d.path + "/none.yaml", false);
    CHECK(c.path.empty());
    CHECK(c.userns == UsernsConfig{});
    std::string e = error_of(d.path + "/none.yaml", true);
    CHECK(e == "config file " + d.path + "/none.yaml: No such file or directory");
    CHECK(error_of("", true) == "--config: empty file name");
}

TEST_CASE("a file on disk is read and its errors name it") {
    TempDir d;
    auto good = d.write("good.yaml", "userns:\n  remap: default\n  size: 8192\n");
    auto c = load_runtime_config(good, true);
    CHECK(c.path == good);
    CHECK(c.userns.remap == Remap::Default);
    CHECK(c.userns.size == 8192);
    auto bad = d.write("bad.yaml", "userns:\n  remap: default\n  size: many\n");
    CHECK(error_of(bad, true) == bad + ":3: userns.size: must be a positive integer of at most 1073741824");
    // A present default file is checked like any other.
    CHECK(error_of(bad, false) == bad + ":3: userns.size: must be a positive integer of at most 1073741824");
}

TEST_CASE("a directory, a FIFO and an oversized file are refused unread") {
    TempDir d;
    CHECK(error_of(d.path, true) == d.path + ": config file is not a regular file");
    std::string fifo = d.path + "/fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(error_of(fifo, true) == fifo + ": config file is not a regular file");  // and does not block
    auto big = d.write("big.yaml", "# " + std::string(kMaxConfigSize, 'x') + "\n");
    CHECK(error_of(big, true) == big + ": config file is larger than 1048576 bytes");
}
