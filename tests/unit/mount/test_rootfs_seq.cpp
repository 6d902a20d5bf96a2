// The container's mount sequence (mount/rootfs.cpp, devices.cpp,
// cgroup_mount.cpp), run against the recording fake kernel: which mounts,
// in which order, with which flags, on which fds; pivot_root and --no-pivot;
// masked and read-only paths; devices made or bound; errors naming their
// config.json element.
#include <doctest/doctest.h>

#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "oci/error.hpp"
#include "caught.hpp"
#include "rootfs_fixture.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using Calls = std::vector<std::string>;

namespace {

bool contains(const Calls& calls, const std::string& c) {
    for (const auto& x : calls)
        if (x == c) return true;
    return false;
}

// The position of the first record equal to `c` at or after `from`
// (calls.size() if none).
size_t index_of(const Calls& calls, const std::string& c, size_t from = 0) {
    for (size_t i = from; i < calls.size(); ++i)
        if (calls[i] == c) return i;
    return calls.size();
}

// Each of `seq` is in `calls`, in that order (not necessarily adjacent).
void check_in_order(const Calls& calls, const Calls& seq) {
    size_t at = 0;
    for (const auto& c : seq) {
        CAPTURE(c);
        const size_t i = index_of(calls, c, at);
        CHECK(i < calls.size());
        if (i < calls.size()) at = i + 1;
    }
}

// linux.devices[]: /dev/fuse, 10:229, owned by 1000:1001.
oci::Device fuse_device(uint32_t mode) {
    oci::Device d;
    d.path = "/dev/fuse";
    d.type = "c";
    d.major = 10;
    d.minor = 229;
    d.fileMode = mode;
    d.uid = 1000;
    d.gid = 1001;
    return d;
}

}  // namespace

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

TEST_CASE("the default devices are made with mknod, owner and mode, after the mounts; then the /dev links") {
    test::RootfsFixture f;
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    CHECK(f.k.calls_of({"mknodat("}) == Calls{
                                            "mknodat(/b/rootfs/dev, null, c 1:3, 0666)",
                                            "mknodat(/b/rootfs/dev, zero, c 1:5, 0666)",
                                            "mknodat(/b/rootfs/dev, full, c 1:7, 0666)",
                                            "mknodat(/b/rootfs/dev, random, c 1:8, 0666)",
                                            "mknodat(/b/rootfs/dev, urandom, c 1:9, 0666)",
                                            "mknodat(/b/rootfs/dev, tty, c 5:0, 0666)",
                                        });
    const Calls& all = f.k.calls();
    // On the container's /dev tmpfs, not under it; chown before chmod
    // (chown clears set-id bits).
    CHECK(index_of(all, "move_mount(mnt:tmpfs -> /b/rootfs/dev)") <
          index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)"));
    CHECK(index_of(all, "fchownat(/b/rootfs/dev, null, 0:0)") < index_of(all, "fchmodat(/b/rootfs/dev, null, 0666)"));
    CHECK(f.k.calls_of({"symlinkat("}) == Calls{
                                              "symlinkat(/proc/self/fd, /b/rootfs/dev, fd)",
                                              "symlinkat(/proc/self/fd/0, /b/rootfs/dev, stdin)",
                                              "symlinkat(/proc/self/fd/1, /b/rootfs/dev, stdout)",
                                              "symlinkat(/proc/self/fd/2, /b/rootfs/dev, stderr)",
                                              "symlinkat(/proc/kcore, /b/rootfs/dev, core)",
                                          });
    // No device is bound outside a user namespace.
    CHECK(f.k.calls_of({"open_tree("}).empty());
}

TEST_CASE("in a user namespace devices are bound from the host, nosuid and noexec; a fifo is still made") {
    test::RootfsFixture f;
    oci::Device fifo;
    fifo.path = "/dev/myfifo";
    fifo.type = "p";
    fifo.fileMode = 0600;
    f.cfg.linux->devices = {fifo, fuse_device(0660)};
    f.spec.userns = true;
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    // Only the fifo: the kernel refuses device nodes in a user namespace.
    CHECK(f.k.calls_of({"mknodat("}) == Calls{"mknodat(/b/rootfs/dev, myfifo, p 0:0, 0600)"});
    const Calls& all = f.k.calls();
    // Each device: an empty file as mount point, the host's node at the
    // same path cloned, nosuid and noexec, attached on it.
    for (const std::string d : {"null", "zero", "full", "random", "urandom", "tty", "fuse"}) {
        CAPTURE(d);
        check_in_order(all, {"openat(/b/rootfs/dev, " + d + ", O_NOFOLLOW|O_CREAT|O_EXCL|O_WRONLY)",
                             "open_tree(cwd, /dev/" + d + ", CLONE)",
                             "mount_setattr(tree:/dev/" + d + ", set NOSUID|NOEXEC)",
                             "move_mount(tree:/dev/" + d + " -> /b/rootfs/dev/" + d + ")"});
    }
    // The bound node is the host's: the fake shows the target as 1:3 now.
    CHECK(major(f.k.node("/b/rootfs/dev/null").rdev) == 1);
    CHECK(minor(f.k.node("/b/rootfs/dev/null").rdev) == 3);
}

TEST_CASE("linux.devices: mknod with exactly the fileMode, uid and gid given") {
    test::RootfsFixture f;
    // With the set-uid bit: kept, chmod comes after chown (which clears it).
    f.cfg.linux->devices = {fuse_device(04660)};
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {"mknodat(/b/rootfs/dev, fuse, c 10:229, 04660)",
                                 "fchownat(/b/rootfs/dev, fuse, 1000:1001)", "fchmodat(/b/rootfs/dev, fuse, 04660)"});
}

TEST_CASE("a device over a planted file is removed first; a mount of config.json there (EBUSY) wins") {
    test::RootfsFixture f;
    f.k.add_dir("/b/rootfs/dev");
    f.k.add_file("/b/rootfs/dev/null");  // a planted file (or symlink) in the image
    f.k.fail("unlinkat(/b/rootfs/dev, zero)", EBUSY);
    f.k.add_file("/b/rootfs/dev/zero");
    f.cfg.mounts.erase(f.cfg.mounts.begin() + 1);  // no /dev tmpfs: the image's /dev
    f.reset_spec();
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    const Calls& all = f.k.calls();
    CHECK(index_of(all, "unlinkat(/b/rootfs/dev, null)") < index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)"));
    CHECK_FALSE(contains(f.k.calls_of({"mknodat("}), "mknodat(/b/rootfs/dev, zero, c 1:5, 0666)"));
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
        oci::Mount m;
        m.destination = "/data";
        m.source = "data";  // relative to the bundle
        m.options = std::vector<std::string>{"rbind", "ro"};
        f.cfg.mounts.push_back(m);
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

TEST_CASE("a bind mount: the source cloned from the bundle, attributes on the tree, then attached") {
    test::RootfsFixture f;
    f.k.add_dir("/b/data");
    oci::Mount m;
    m.destination = "/data";
    m.source = "data";
    m.options = std::vector<std::string>{"rbind", "ro", "nosuid", "rprivate"};
    f.cfg.mounts = {m};
    f.reset_spec();
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
