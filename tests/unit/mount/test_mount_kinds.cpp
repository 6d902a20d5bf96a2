// One mount of config.json at a time (mount/rootfs.cpp mount_one,
// mounter.cpp, cgroup_mount.cpp) through the recording fake kernel: binds,
// remounts, tmpfs modes, the parent's premade mounts, the sysfs fallback of
// a user namespace, cgroup v1, and the destinations that are refused.
#include <doctest/doctest.h>

#include <linux/magic.h>

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

TEST_CASE("a bind mount: the source cloned from the bundle, attributes on the tree, then attached") {
    test::RootfsFixture f;
    f.k.add_dir("/b/data");
    f.set_mounts({test::make_mount("/data", "data", {"rbind", "ro", "nosuid", "rprivate"})});
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {
                                    // The source first: a missing one leaves no mount point in the rootfs.
                                    "open_tree(cwd, /b/data, CLONE|RECURSIVE)",
                                    "mount_setattr(tree:/b/data, set RDONLY|NOSUID)",
                                    "mkdirat(/b/rootfs, data, 0755)",
                                    "move_mount(tree:/b/data -> /b/rootfs/data)",
                                    // Propagation again after the attach: a detached tree's
                                    // peer group is not kept across move_mount.
                                    "mount_setattr(tree:/b/data, MS_PRIVATE, RECURSIVE)",
                                });
}

TEST_CASE("sysfs refused in a user namespace: the host's /sys bound read-only instead, and said in the debug log") {
    test::RootfsFixture f;
    f.k.fail("fsopen(sysfs)", EPERM);
    SUBCASE("in a user namespace") {
        f.spec.userns = true;
        mount::prepare_rootfs(f.k, f.spec);
        INFO(f.k.dump());
        const Calls& all = f.k.calls();
        const size_t clone = index_of(all, "open_tree(cwd, /sys, CLONE|RECURSIVE)");
        CHECK(clone < index_of(all, "mount_setattr(tree:/sys, set RDONLY|NOSUID|NODEV|NOEXEC)"));
        CHECK(contains(all, "mount_setattr(tree:/sys, set RDONLY|NOSUID|NODEV|NOEXEC, RECURSIVE)"));
        CHECK(contains(all, "move_mount(tree:/sys -> /b/rootfs/sys)"));
        REQUIRE(f.debug.size() == 1);
        CHECK(f.debug[0].rfind("mounts[5]: mount sysfs on /b/rootfs/sys: Operation not permitted", 0) == 0);
    }
    SUBCASE("as root, the error stands") {
        CHECK_THROWS_WITH_AS(mount::prepare_rootfs(f.k, f.spec),
                             "config.json: mounts[5]: mount sysfs on /b/rootfs/sys: Operation not permitted",
                             ConfigError);
        CHECK_FALSE(contains(f.k.calls(), "open_tree(cwd, /sys, CLONE|RECURSIVE)"));
    }
}

TEST_CASE("cgroup v1 without a cgroup namespace: a tmpfs, one bind per hierarchy, links, then read-only") {
    test::RootfsFixture f;
    f.k.add_dir("/sys/fs/cgroup/cpu,cpuacct/c1");
    f.k.add_dir("/sys/fs/cgroup/memory/c1");
    f.spec.cgroup_mounts = {
        cgroup::MountSpec{"cgroup", "cpu,cpuacct", "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1", {"cpu", "cpuacct"}},
        cgroup::MountSpec{"cgroup", "memory", "memory", "/sys/fs/cgroup/memory/c1", {}},
    };
    // The default namespaces have no cgroup namespace.
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls all = f.k.calls();
    // mounts[6], after /sys.
    const size_t from = index_of(all, "fsopen(tmpfs)", index_of(all, "move_mount(mnt:sysfs -> /b/rootfs/sys)"));
    REQUIRE(from < all.size());
    Calls seq;
    for (size_t i = from; i < all.size(); ++i)
        if (all[i].rfind("move_mount(", 0) == 0 || all[i].rfind("mount_setattr(", 0) == 0 ||
            all[i].rfind("symlinkat(", 0) == 0 || all[i].rfind("fsmount(", 0) == 0 || all[i].rfind("mkdirat(", 0) == 0)
            seq.push_back(all[i]);
    seq.resize(std::min<size_t>(seq.size(), 11));
    CHECK(seq == Calls{
                     "fsmount(fs:tmpfs, NOSUID|NODEV|NOEXEC)",
                     "move_mount(mnt:tmpfs -> /b/rootfs/sys/fs/cgroup)",
                     "mkdirat(mnt:tmpfs, cpu,cpuacct, 0755)",
                     "mount_setattr(tree:/sys/fs/cgroup/cpu,cpuacct/c1, set RDONLY|NOSUID|NODEV|NOEXEC)",
                     "move_mount(tree:/sys/fs/cgroup/cpu,cpuacct/c1 -> mnt:tmpfs/cpu,cpuacct)",
                     "symlinkat(cpu,cpuacct, mnt:tmpfs, cpu)",
                     "symlinkat(cpu,cpuacct, mnt:tmpfs, cpuacct)",
                     "mkdirat(mnt:tmpfs, memory, 0755)",
                     "mount_setattr(tree:/sys/fs/cgroup/memory/c1, set RDONLY|NOSUID|NODEV|NOEXEC)",
                     "move_mount(tree:/sys/fs/cgroup/memory/c1 -> mnt:tmpfs/memory)",
                     // "ro": the tmpfs too, once its directories are made.
                     "mount_setattr(mnt:tmpfs, set RDONLY)",
                 });
}

TEST_CASE("a destination that resolves to the container's root is refused, naming mounts[i].destination") {
    test::RootfsFixture f;
    // A symlink planted in the image: /etc/x -> / (inside the root).
    f.k.add_link("/b/rootfs/etc/x", "/b/rootfs");
    f.set_mounts({test::make_mount("/etc/x", "tmpfs", {}, "tmpfs")});
    const auto e = test::caught<oci::SpecError>([&] { mount::prepare_rootfs(f.k, f.spec); });
    CHECK(e.path() == "mounts[0].destination");
    CHECK(e.reason() == "\"/etc/x\" resolves to the container's root directory");
    CHECK(f.k.calls_of({"move_mount("}).empty());
}

TEST_CASE("nothing is mounted over procfs, except the files lxcfs provides (CVE-2019-16884)") {
    test::RootfsFixture f;
    f.k.add_dir("/b/lxcfs");
    f.k.add_file("/b/lxcfs/meminfo");
    f.k.add_file("/b/rootfs/proc/meminfo");
    f.k.set_magic("/b/rootfs/proc/meminfo", PROC_SUPER_MAGIC);
    f.k.add_dir("/b/rootfs/proc/self");
    f.k.add_dir("/b/rootfs/proc/self/attr");
    f.k.set_magic("/b/rootfs/proc/self/attr", PROC_SUPER_MAGIC);
    f.set_mounts({test::make_mount("/proc/meminfo", "/b/lxcfs/meminfo", {"bind"}),
                  test::make_mount("/proc/self/attr", "/b/lxcfs", {"bind"})});
    const auto e = test::caught<oci::SpecError>([&] { mount::prepare_rootfs(f.k, f.spec); });
    CHECK(e.path() == "mounts[1].destination");
    CHECK(e.reason() == "\"/proc/self/attr\" is inside /proc: mounting over procfs is not allowed");
    // lxcfs's file was bound (the source a file: so is its mount point).
    CHECK(f.k.calls_of({"move_mount("}) == Calls{"move_mount(tree:/b/lxcfs/meminfo -> /b/rootfs/proc/meminfo)"});
}

TEST_CASE("remount: the flags and data of the mount already there, on its fd; no new mount") {
    test::RootfsFixture f;
    f.set_mounts({test::make_mount("/usr", std::nullopt, {"remount", "ro", "nosuid", "size=1m"})});
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {"fspick(/b/rootfs/usr, \"\")", "fsconfig(fs:/b/rootfs/usr, size=1m)",
                                 "fsconfig(fs:/b/rootfs/usr, RECONFIGURE)",
                                 "mount_setattr(/b/rootfs/usr, set RDONLY|NOSUID)"});
    CHECK(f.k.calls_of({"move_mount(", "fsopen(", "open_tree("}).empty());
}

TEST_CASE("a tmpfs on a directory of the rootfs takes its mode, unless mode= says otherwise (runc)") {
    test::RootfsFixture f;
    f.k.add_dir("/b/rootfs/tmp");
    f.k.chmod_node("/b/rootfs/tmp", 01777);
    f.set_mounts(
        {test::make_mount("/tmp", "tmpfs", {}, "tmpfs"), test::make_mount("/run", "tmpfs", {"mode=700"}, "tmpfs")});
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    // Set on the new tmpfs's root before it is attached.
    check_in_order(f.k.calls(), {"fsmount(fs:tmpfs, 0)", "fchmod(mnt:tmpfs, 01777)",
                                 "move_mount(mnt:tmpfs -> /b/rootfs/tmp)", "fsconfig(fs:tmpfs, mode=700)",
                                 "move_mount(mnt:tmpfs -> /b/rootfs/run)"});
    CHECK(f.k.calls_of({"fchmod("}).size() == 1);
}

TEST_CASE("binds and a tmpfs made by the parent (idmapped, premade) are attached, not made again") {
    test::RootfsFixture f;
    f.k.add_dir("/b/data");
    f.set_mounts({test::make_mount("/data", "/b/data", {"bind", "idmap"}),
                  test::make_mount("/scratch", "tmpfs", {"idmap", "mode=755"}, "tmpfs")});
    f.spec.premade = {{0, f.k.open_handle("idmapped:/b/data")}, {1, f.k.open_handle("idmapped:tmpfs")}};
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    CHECK(f.k.calls_of({"move_mount("}) == Calls{"move_mount(idmapped:/b/data -> /b/rootfs/data)",
                                                 "move_mount(idmapped:tmpfs -> /b/rootfs/scratch)"});
    CHECK(f.k.calls_of({"open_tree(", "fsopen("}).empty());
}
