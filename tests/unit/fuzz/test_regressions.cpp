// Every input kept under tests/fuzz/regressions/<target>/ (what libFuzzer
// once crashed on, fixed since) and every seed of tests/fuzz/corpus/<target>/
// through its fuzz target. A target aborts on a finding, so a regression
// shows up as this executable dying with the file named in the log.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

#define DECLARE(name) extern "C" int ucrun_fuzz_##name(const uint8_t*, size_t);
DECLARE(config)
DECLARE(json)
DECLARE(state)
DECLARE(yaml)
DECLARE(subid)
DECLARE(ids)
DECLARE(mount_options)
DECLARE(signals)
DECLARE(capabilities)
DECLARE(message)
DECLARE(args)
#undef DECLARE

namespace {

using Target = int (*)(const uint8_t*, size_t);

const std::map<std::string, Target>& targets() {
    static const std::map<std::string, Target> t = {
        {"config", ucrun_fuzz_config},   {"json", ucrun_fuzz_json},
        {"state", ucrun_fuzz_state},
        {"yaml", ucrun_fuzz_yaml},       {"subid", ucrun_fuzz_subid},
        {"ids", ucrun_fuzz_ids},         {"mount_options", ucrun_fuzz_mount_options},
        {"signals", ucrun_fuzz_signals}, {"capabilities", ucrun_fuzz_capabilities},
        {"message", ucrun_fuzz_message}, {"args", ucrun_fuzz_args},
    };
    return t;
}

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
    std::vector<fs::path> out;
    const fs::path dir = fs::path(FUZZ_DIR) / kind / target;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) out.push_back(e.path());
    return out;
}

size_t feed(const std::string& kind, const std::string& name, Target fn) {
    size_t n = 0;
    for (const auto& file : inputs(kind, name)) {
        std::ifstream in(file, std::ios::binary);
        const std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        // Printed before the call: a finding aborts the process.
        std::fprintf(stderr, "%s\n", file.c_str());
        INFO(file.string());
        CHECK(fn(reinterpret_cast<const uint8_t*>(data.data()), data.size()) == 0);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("fuzz: the targets here are the ones meson builds as fuzzers") {
    std::vector<std::string> names;
    std::stringstream ss(FUZZ_TARGETS);
    for (std::string t; std::getline(ss, t, ',');) names.push_back(t);
    REQUIRE(names.size() == targets().size());
    for (const auto& n : names) CHECK(targets().count(n) == 1);
}

TEST_CASE("fuzz: every target has a seed corpus, and every seed runs clean") {
    for (const auto& nf : targets()) {
        const std::string& name = nf.first;  // not a structured binding: INFO's lambda (clang-14)
        INFO(name);
        CHECK(feed("corpus", name, nf.second) > 0);
    }
}

TEST_CASE("fuzz: every kept regression input runs clean") {
    for (const auto& [name, fn] : targets()) feed("regressions", name, fn);
}
