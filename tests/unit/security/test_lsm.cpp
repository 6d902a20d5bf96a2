// LSMs: enabled checks and the attr writes, against fake /sys and /proc trees.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "security/lsm.hpp"
#include "sys/error.hpp"

using namespace ucrun::security;
namespace fs = std::filesystem;

namespace {

struct TempTree {
    fs::path root;
    TempTree() {
        char t[] = "/tmp/ucrun-lsm-XXXXXX";
        root = ::mkdtemp(t);
    }
    ~TempTree() { fs::remove_all(root); }
    void file(const std::string& rel, const std::string& content) {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << content;
    }
    LsmPaths paths() const { return {(root / "sys").string(), (root / "proc").string()}; }
};

std::string error_of(auto&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("apparmor: clear error when not enabled, exec write when enabled") {
    TempTree t;
    auto p = t.paths();
    CHECK_FALSE(apparmor_enabled(p));
    CHECK_NOTHROW(apply_apparmor_profile("", p));  // nothing asked
    CHECK(error_of([&] { apply_apparmor_profile("docker-default", p); }) ==
          "process.apparmorProfile: AppArmor is not enabled on this host");

    t.file("sys/module/apparmor/parameters/enabled", "N\n");
    CHECK_FALSE(apparmor_enabled(p));
    t.file("sys/module/apparmor/parameters/enabled", "Y\n");
    CHECK(apparmor_enabled(p));

    // Legacy attr/exec only.
    t.file("proc/thread-self/attr/exec", "");
    apply_apparmor_profile("docker-default", p);
    CHECK(test::slurp((t.root / "proc/thread-self/attr/exec").string()) == "exec docker-default");
    // The apparmor-specific file wins when present.
    t.file("proc/thread-self/attr/apparmor/exec", "");
    apply_apparmor_profile("other", p);
    CHECK(test::slurp((t.root / "proc/thread-self/attr/apparmor/exec").string()) == "exec other");
}

TEST_CASE("selinux: clear error when absent, exec label write when present") {
    TempTree t;
    auto p = t.paths();
    t.file("proc/self/mountinfo", "22 1 0:21 / /proc rw - proc proc rw\n");
    CHECK_FALSE(selinux_enabled(p));
    CHECK_NOTHROW(set_selinux_exec_label("", p));
    CHECK(error_of([&] { set_selinux_exec_label("system_u:system_r:container_t:s0", p); }) ==
          "process.selinuxLabel: SELinux is not enabled on this host");

    t.file("proc/self/mountinfo", "30 25 0:28 / /sys/fs/selinux rw,relatime - selinuxfs selinuxfs rw\n");
    CHECK(selinux_enabled(p));
    t.file("proc/self/attr/exec", "");  // no thread-self: fallback
    set_selinux_exec_label("system_u:system_r:container_t:s0", p);
    CHECK(test::slurp((t.root / "proc/self/attr/exec").string()) == "system_u:system_r:container_t:s0");
}

TEST_CASE("lsm: the host checks read the host's /sys and /proc") {
    CHECK(LsmPaths{}.sys == "/sys");
    CHECK(LsmPaths{}.proc == "/proc");
    // What the host says, read here independently of lsm.cpp.
    const bool apparmor = test::slurp("/sys/module/apparmor/parameters/enabled").rfind("Y", 0) == 0;
    CHECK(apparmor_enabled() == apparmor);
    const bool selinux = test::slurp("/proc/self/mountinfo").find(" - selinuxfs ") != std::string::npos ||
                         fs::exists("/sys/fs/selinux/enforce");
    CHECK(selinux_enabled() == selinux);
}
