// The container's mount sequence (mount/rootfs.cpp), run against the
// recording fake kernel: which mounts, in which order, with which flags, on
// which fds; pivot_root and --no-pivot; masked and read-only paths;
// rootfsPropagation; errors naming their config.json element.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "caught.hpp"
#include "oci/error.hpp"
#include "rootfs_fixture.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using test::Calls;
using test::check_in_order;
using test::contains;
using test::index_of;

TEST_CASE("the default config: propagation, rootfs bind, then config.json's mounts in order, with their flags") {
    test::RootfsFixture f;
    // A cgroup v2 host with the container's own cgroup (cgroup::Manager::mounts()).
    f.spec.cgroup_mounts = {cgroup::MountSpec{"cgroup2", "", "", "/sys/fs/cgroup/c1", {}}};
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());

    CHECK(f.k.mount_calls() == Calls{
                                   // rslave (runc's default): nothing mounted propagates to the host.
                                   "mount(-, /, -, MS_SLAVE|MS_REC)",
                                   // The rootfs a private mount point of its own, for pivot_root.
                                   "mount(/b/rootfs, /b/rootfs, -, MS_BIND|MS_REC)",
                                   "mount(-, /b/rootfs, -, MS_PRIVATE)",
                                   // mounts[0..6], each new file system attached on its destination's fd.
                                   "move_mount(mnt:proc -> /b/rootfs/proc)",
                                   "move_mount(mnt:tmpfs -> /b/rootfs/dev)",
                                   "move_mount(mnt:devpts -> /b/rootfs/dev/pts)",
                                   "move_mount(mnt:tmpfs -> /b/rootfs/dev/shm)",
                                   "move_mount(mnt:mqueue -> /b/rootfs/dev/mqueue)",
                                   "move_mount(mnt:sysfs -> /b/rootfs/sys)",
                                   "move_mount(mnt:cgroup2 -> /b/rootfs/sys/fs/cgroup)",
                               });
    // The mount attributes of each (config.md "Mounts" options).
    CHECK(f.k.calls_of({"fsmount("}) == Calls{
                                            "fsmount(fs:proc, 0)",
                                            "fsmount(fs:tmpfs, NOSUID|STRICTATIME)",
                                            "fsmount(fs:devpts, NOSUID|NOEXEC)",
                                            "fsmount(fs:tmpfs, NOSUID|NODEV|NOEXEC)",
                                            "fsmount(fs:mqueue, NOSUID|NODEV|NOEXEC)",
                                            "fsmount(fs:sysfs, RDONLY|NOSUID|NODEV|NOEXEC)",
                                            "fsmount(fs:cgroup2, RDONLY|NOSUID|NODEV|NOEXEC)",
                                        });
    // File system data, as given, then the superblock is created.
    const Calls devpts = f.k.calls_of({"fsconfig(fs:devpts"});
    CHECK(devpts == Calls{"fsconfig(fs:devpts, source=devpts)", "fsconfig(fs:devpts, newinstance)",
                          "fsconfig(fs:devpts, ptmxmode=0666)", "fsconfig(fs:devpts, mode=0620)",
                          "fsconfig(fs:devpts, gid=5)", "fsconfig(fs:devpts, CREATE)"});
    // Missing mount points are made inside the rootfs, by fd, before their mount.
    const Calls& all = f.k.calls();
    CHECK(index_of(all, "mkdirat(/b/rootfs/dev, pts, 0755)") <
          index_of(all, "move_mount(mnt:devpts -> /b/rootfs/dev/pts)"));
    CHECK(index_of(all, "move_mount(mnt:tmpfs -> /b/rootfs/dev)") < index_of(all, "mkdirat(/b/rootfs/dev, pts, 0755)"));
    CHECK(contains(all, "mkdirat(/b/rootfs/sys/fs, cgroup, 0755)"));
    // No pivot yet: that is enter_rootfs.
    CHECK(f.k.calls_of({"pivot_root(", "chroot("}).empty());
}

TEST_CASE("pivot_root: into the rootfs, the old root made rslave before it is detached") {
    test::RootfsFixture f;
    mount::prepare_rootfs(f.k, f.spec);
    const size_t before = f.k.calls().size();
    mount::enter_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls tail(f.k.calls().begin() + static_cast<long>(before), f.k.calls().end());
    CHECK(tail == Calls{
                      "chdir(/b/rootfs)",
                      // The old root, held by fd: "." after pivot_root(".", ".") names the new one.
                      "openat(cwd, /, O_PATH|O_DIRECTORY)",
                      "pivot_root(., .)",
                      "fchdir(/)",
                      "mount(-, ., -, MS_SLAVE|MS_REC)",
                      "umount2(., MNT_DETACH)",
                      "chdir(/)",
                  });
}

TEST_CASE("--no-pivot: the rootfs moved onto / and chroot, no pivot_root, nothing unmounted") {
    test::RootfsFixture f;
    f.spec.no_pivot = true;
    mount::prepare_rootfs(f.k, f.spec);
    const size_t before = f.k.calls().size();
    mount::enter_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls tail(f.k.calls().begin() + static_cast<long>(before), f.k.calls().end());
    CHECK(tail == Calls{"chdir(/b/rootfs)", "mount(/b/rootfs, /, -, MS_MOVE)", "chroot(.)", "chdir(/)"});
}

TEST_CASE("an idmapped rootfs made by the parent is attached by fd, and entered by fd") {
    test::RootfsFixture f;
    const int tree = f.k.open_handle("/b/rootfs");  // the parent's detached tree (fake)
    f.spec.rootfs_premade = tree;
    f.spec.rootfs_at_cwd = true;
    f.spec.no_pivot = true;
    f.k.chdir("/b/rootfs");  // host root chdir'ed there before clone3
    mount::prepare_rootfs(f.k, f.spec);
    mount::enter_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls m = f.k.mount_calls();
    REQUIRE(m.size() >= 3);
    CHECK(m[0] == "mount(-, /, -, MS_SLAVE|MS_REC)");
    // Attached on root.path reached through the working directory, no path walk.
    CHECK(m[1] == "move_mount(/b/rootfs -> /b/rootfs)");
    CHECK(m[2] == "mount_setattr(/b/rootfs, MS_PRIVATE)");
    CHECK_FALSE(contains(m, "mount(/b/rootfs, /b/rootfs, -, MS_BIND|MS_REC)"));
    CHECK(contains(f.k.calls(), "openat(cwd, ., O_PATH|O_DIRECTORY)"));
    // --no-pivot with the tree: move_mount, not mount(MS_MOVE) of a path.
    CHECK(m[m.size() - 2] == "move_mount(/b/rootfs -> cwd /)");
    CHECK(m.back() == "chroot(.)");
}

TEST_CASE("masked paths: /dev/null over files, one empty read-only tmpfs over directories; read-only paths") {
    test::RootfsFixture f;
    // After pivot_root the fake's "/" is the rootfs.
    mount::prepare_rootfs(f.k, f.spec);
    mount::enter_rootfs(f.k, f.spec);
    f.k.add_file("/b/rootfs/proc/kcore");
    f.k.add_dir("/b/rootfs/proc/acpi");
    f.k.add_dir("/b/rootfs/sys/firmware");
    f.k.add_dir("/b/rootfs/proc/sys");
    f.k.add_file("/b/rootfs/proc/sysrq-trigger");
    const size_t before = f.k.calls().size();
    mount::finish_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls tail(f.k.calls().begin() + static_cast<long>(before), f.k.calls().end());
    const Calls mounts = [&] {
        Calls out;
        for (const auto& c : tail)
            if (c.rfind("move_mount(", 0) == 0 || c.rfind("mount_setattr(", 0) == 0 || c.rfind("open_tree(", 0) == 0 ||
                c.rfind("fsmount(", 0) == 0)
                out.push_back(c);
        return out;
    }();
    CHECK(mounts == Calls{
                        // maskedPaths in order; a missing one (/proc/asound) is skipped.
                        "fsmount(fs:tmpfs, RDONLY|NOSUID|NODEV|NOEXEC)",
                        "move_mount(mnt:tmpfs -> /b/rootfs/proc/acpi)",
                        // The container's own /dev/null (checked 1:3), never a host path.
                        "open_tree(/b/rootfs/dev/null, \"\", CLONE|EMPTY_PATH)",
                        "move_mount(tree:/b/rootfs/dev/null -> /b/rootfs/proc/kcore)",
                        // The second directory: a clone of the first tmpfs.
                        "open_tree(mnt:tmpfs, \"\", CLONE|EMPTY_PATH)",
                        "move_mount(tree:mnt:tmpfs -> /b/rootfs/sys/firmware)",
                        // readonlyPaths: a recursive read-only bind onto itself.
                        "open_tree(/b/rootfs/proc/sys, \"\", CLONE|RECURSIVE|EMPTY_PATH)",
                        "mount_setattr(tree:/b/rootfs/proc/sys, set RDONLY, RECURSIVE)",
                        "move_mount(tree:/b/rootfs/proc/sys -> /b/rootfs/proc/sys)",
                        "open_tree(/b/rootfs/proc/sysrq-trigger, \"\", CLONE|RECURSIVE|EMPTY_PATH)",
                        "mount_setattr(tree:/b/rootfs/proc/sysrq-trigger, set RDONLY, RECURSIVE)",
                        "move_mount(tree:/b/rootfs/proc/sysrq-trigger -> /b/rootfs/proc/sysrq-trigger)",
                        // root.readonly last, the root mount only (not recursive).
                        "mount_setattr(/b/rootfs, set RDONLY)",
                    });
    CHECK(contains(tail, "fsconfig(fs:tmpfs, size=0)"));
    CHECK(contains(tail, "fsconfig(fs:tmpfs, nr_inodes=1)"));
}

TEST_CASE("masked paths: a /dev/null that is not 1:3 is refused before anything is masked (CVE-2025-31133)") {
    test::RootfsFixture f;
    f.k.add_dir("/dev");
    f.k.add_file("/dev/null");  // planted: a regular file, as seen from the container's "/"
    f.k.add_dir("/proc/acpi");
    const size_t before = f.k.calls().size();
    CHECK_THROWS_WITH_AS(mount::finish_rootfs(f.k, f.spec),
                         "/dev/null in the container is not the character device 1:3", Error);
    const Calls tail(f.k.calls().begin() + static_cast<long>(before), f.k.calls().end());
    for (const auto& c : tail) CHECK(c.rfind("move_mount(", 0) != 0);
}

TEST_CASE("linux.rootfsPropagation: private at the start; unbindable deferred to the end, recursive or not") {
    SUBCASE("rprivate") {
        test::RootfsFixture f;
        f.cfg.linux->rootfsPropagation = "rprivate";
        mount::prepare_rootfs(f.k, f.spec);
        CHECK(f.k.mount_calls().front() == "mount(-, /, -, MS_PRIVATE|MS_REC)");
    }
    for (const std::string p : {"unbindable", "runbindable"}) {
        CAPTURE(p);
        test::RootfsFixture f;
        f.cfg.linux->rootfsPropagation = p;
        f.cfg.root.readonly = false;
        mount::prepare_rootfs(f.k, f.spec);
        mount::enter_rootfs(f.k, f.spec);
        // Nothing could be bound from an unbindable tree: rslave first.
        CHECK(f.k.mount_calls().front() == "mount(-, /, -, MS_SLAVE|MS_REC)");
        mount::finish_rootfs(f.k, f.spec);
        CHECK(f.k.mount_calls().back() ==
              (p[0] == 'r' ? "mount(-, /, -, MS_UNBINDABLE|MS_REC)" : "mount(-, /, -, MS_UNBINDABLE)"));
    }
}

TEST_CASE("a failing mount names its config.json element, and what failed") {
    SUBCASE("fsopen refused: mounts[4]") {
        test::RootfsFixture f;
        f.k.fail("fsopen(mqueue)", EPERM);
        const auto e = test::caught<ConfigError>([&] { mount::prepare_rootfs(f.k, f.spec); });
        CHECK(e.path() == "mounts[4]");
        CHECK(e.code() == EPERM);
        CHECK(std::string(e.what()) ==
              "config.json: mounts[4]: mount mqueue on /b/rootfs/dev/mqueue: Operation not permitted");
        // Nothing after the failing mount was mounted.
        CHECK(f.k.mount_calls().back() == "move_mount(mnt:tmpfs -> /b/rootfs/dev/shm)");
    }
    SUBCASE("an unknown file system type: mounts[1].type") {
        test::RootfsFixture f;
        f.k.fail("fsopen(tmpfs)", ENODEV);
        const auto e = test::caught<ConfigError>([&] { mount::prepare_rootfs(f.k, f.spec); });
        CHECK(e.path() == "mounts[1].type");
        CHECK(e.code() == ENODEV);
    }
    SUBCASE("a bad option: mounts[2].options") {
        test::RootfsFixture f;
        f.k.fail("fsconfig(fs:devpts, ptmxmode=0666)", EINVAL);
        const auto e = test::caught<ConfigError>([&] { mount::prepare_rootfs(f.k, f.spec); });
        CHECK(e.path() == "mounts[2].options");
        CHECK(e.message() == "mount devpts on /b/rootfs/dev/pts: option ptmxmode=0666");
    }
    SUBCASE("a missing bind source: mounts[7].source, and no mount point left behind") {
        test::RootfsFixture f;
        f.cfg.mounts.push_back(test::make_mount("/data", "data", {"rbind", "ro"}));  // source relative to the bundle
        const auto e = test::caught<ConfigError>([&] { mount::prepare_rootfs(f.k, f.spec); });
        CHECK(e.path() == "mounts[7].source");
        CHECK(e.code() == ENOENT);
        CHECK(e.message() == "bind /b/data on /b/rootfs/data");
        CHECK_FALSE(f.k.exists("/b/rootfs/data"));
    }
    SUBCASE("the rootfs bind refused: names root.path's host path") {
        test::RootfsFixture f;
        f.k.fail("mount(/b/rootfs, /b/rootfs, -, MS_BIND|MS_REC)", EACCES);
        CHECK_THROWS_WITH_AS(mount::prepare_rootfs(f.k, f.spec), "bind rootfs /b/rootfs: Permission denied", SysError);
    }
    SUBCASE("pivot_root refused") {
        test::RootfsFixture f;
        f.k.fail("pivot_root(", EINVAL);
        mount::prepare_rootfs(f.k, f.spec);
        CHECK_THROWS_WITH_AS(mount::enter_rootfs(f.k, f.spec), "pivot_root /b/rootfs: Invalid argument", SysError);
        CHECK(f.k.calls_of({"umount2("}).empty());
    }
}
