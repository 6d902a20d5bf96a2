// The parent's idmapped mounts through the recording fake kernel: the
// idmapped rootfs of a remapped container (mount/rootfs_idmap.hpp) and the
// idmapped binds of config.json's mounts (mount/idmap.hpp): which calls on
// which fds, and that a refusal names its config.json field. The real
// kernel's side (overlay, ext4, ramfs) is test_rootfs_idmap.cpp's.
#include <doctest/doctest.h>

#include <sched.h>

#include <nlohmann/json.hpp>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "mount/idmap.hpp"
#include "mount/rootfs_idmap.hpp"
#include "oci/error.hpp"
#include "oci/parse.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using Calls = std::vector<std::string>;

namespace {

// A fake host with a rootfs on a disk file system, the init's user
// namespace and an empty mountinfo (the fake's read says EOF).
struct Host {
    test::FakeKernel k;
    int userns = -1;
    Host() {
        k.add_dir("/b/rootfs");
        k.add_dir("/src");
        k.add_file("/proc/self/mountinfo");
        k.add_ns("/proc/9/ns/user", CLONE_NEWUSER);
        k.add_ns("/run/userns/a", CLONE_NEWUSER);
        k.add_ns("/proc/9/ns/net", CLONE_NEWNET);
        userns = k.open_handle("/proc/9/ns/user");
    }
};

oci::Config bind_config(const std::string& options) {
    return oci::parse_config(oci::parse_document(R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},
        "process":{"args":["sh"],"cwd":"/"},
        "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                  {"destination":"/data","type":"bind","source":"/src","options":[)" + options + R"(]}],
        "linux":{"namespaces":[{"type":"mount"},{"type":"user","path":"/run/userns/a"}]}})"));
}

}  // namespace

TEST_CASE("idmapped rootfs: root.path's mounts cloned recursively and idmapped through the init's user namespace") {
    Host h;
    Fd tree = mount::make_idmapped_rootfs(h.k, "/b/rootfs", h.userns);
    CHECK(h.k.name(tree.get()) == "tree:/b/rootfs");  // detached: nothing attached on the host
    // The mount table is not read (only to explain a refusal, below).
    CHECK(h.k.calls() == Calls{"ioctl(/proc/9/ns/user, NS_GET_NSTYPE)", "openat(cwd, /b/rootfs, O_PATH|O_DIRECTORY)",
                               "fstatfs(/b/rootfs)", "open_tree(/b/rootfs, \"\", CLONE|RECURSIVE|EMPTY_PATH)",
                               "mount_setattr(tree:/b/rootfs, set IDMAP /proc/9/ns/user, RECURSIVE)"});
    CHECK(h.k.mount_calls().size() == 1);
}

TEST_CASE("idmapped rootfs: not a user namespace, a missing root.path, a file system that cannot be idmapped") {
    Host h;
    SUBCASE("an fd of another namespace type: refused before anything is opened") {
        const int net = h.k.open_handle("/proc/9/ns/net");
        CHECK_THROWS_WITH_AS(mount::make_idmapped_rootfs(h.k, "/b/rootfs", net),
                             doctest::Contains("is not a user namespace"), Error);
        CHECK(h.k.calls_of({"openat(", "open_tree("}).empty());
    }
    SUBCASE("root.path gone: the open fails naming it") {
        const auto e = test::caught<SysError>([&] { mount::make_idmapped_rootfs(h.k, "/b/gone", h.userns); });
        CHECK(e.code() == ENOENT);
        CHECK(std::string(e.what()).find("open root.path /b/gone") == 0);
    }
    SUBCASE("EINVAL from mount_setattr: config.json's root.path named, with the file system") {
        h.k.fail("mount_setattr(", EINVAL);
        h.k.set_magic("/b/rootfs", 0x65735546);  // FUSE
        const auto e = test::caught<oci::SpecError>([&] { mount::make_idmapped_rootfs(h.k, "/b/rootfs", h.userns); });
        CHECK(std::string(e.what()) ==
              "config.json: root.path: /b/rootfs is on fuse, which cannot be idmapped: the kernel does not support "
              "idmapped mounts on fuse (mount_setattr: Invalid argument)");
    }
}

TEST_CASE("idmapped bind: the source cloned, idmapped through the joined user namespace; a refusal names mounts[i]") {
    Host h;
    SUBCASE("made: by index in config.json's mounts, only the idmapped one") {
        const auto made = mount::make_idmapped_mounts(h.k, bind_config(R"("rbind","idmap")"), "/b");
        REQUIRE(made.size() == 1);
        CHECK(h.k.name(made.at(1).get()) == "tree:/src");
        CHECK(h.k.calls_of({"openat(", "open_tree(", "mount_setattr("}) ==
              Calls{"openat(cwd, /run/userns/a, 0)", "openat(cwd, /src, O_PATH)",
                    "open_tree(/src, \"\", CLONE|RECURSIVE|EMPTY_PATH)",
                    "mount_setattr(tree:/src, set IDMAP /run/userns/a)"});
    }
    SUBCASE("EINVAL: the mount named with its source and file system") {
        h.k.fail("set IDMAP", EINVAL);
        const auto e = test::caught<oci::SpecError>(
            [&] { mount::make_idmapped_mounts(h.k, bind_config(R"("bind","idmap")"), "/b"); });
        CHECK(std::string(e.what()).find("config.json: mounts[1]: cannot idmap the bind of /src: /src is on ") == 0);
    }
    SUBCASE("the joined user namespace cannot be opened") {
        h.k.fail("openat(cwd, /run/userns/a", EACCES);
        const auto e = test::caught<SysError>(
            [&] { mount::make_idmapped_mounts(h.k, bind_config(R"("bind","idmap")"), "/b"); });
        CHECK(e.code() == EACCES);
        CHECK(std::string(e.what()).find("open user namespace /run/userns/a") == 0);
    }
}
