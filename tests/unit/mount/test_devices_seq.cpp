// /dev in the container (mount/devices.cpp) through the recording fake
// kernel: devices made with mknod, or bound from the host in a user
// namespace; the /dev links.
#include <doctest/doctest.h>

#include <sys/sysmacros.h>

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

namespace {

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
    // On the container's /dev tmpfs, not under it; under umask 0, so the
    // mode is mknod's own, and made by root: neither chown nor chmod.
    CHECK(index_of(all, "move_mount(mnt:tmpfs -> /b/rootfs/dev)") <
          index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)"));
    CHECK(index_of(all, "umask(0000)") < index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)"));
    CHECK(index_of(all, "mknodat(/b/rootfs/dev, tty, c 5:0, 0666)") <
          index_of(all, "umask(0022)", index_of(all, "umask(0000)")));
    CHECK(f.k.calls_of({"fchownat(", "fchmodat(", "chmod_opath(", "openat(/b/rootfs/dev, "}).empty());
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
                                 "openat(/b/rootfs/dev, fuse, O_PATH|O_NOFOLLOW)",
                                 "fchownat(/b/rootfs/dev/fuse, 1000:1001)", "chmod_opath(/b/rootfs/dev/fuse, 04660)"});
    CHECK(f.k.calls_of({"fchownat(/b/rootfs/dev, ", "fchmodat("}).empty());
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
    // mknod first (EEXIST), then the planted file goes and mknod again.
    const size_t first = index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)");
    const size_t unlinked = index_of(all, "unlinkat(/b/rootfs/dev, null)");
    CHECK(first < unlinked);
    CHECK(unlinked < index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)", first + 1));
    CHECK(index_of(all, "mknodat(/b/rootfs/dev, null, c 1:3, 0666)", first + 1) < all.size());
    // The mount there wins: no second mknod of zero.
    const size_t zero = index_of(all, "mknodat(/b/rootfs/dev, zero, c 1:5, 0666)");
    CHECK(index_of(all, "mknodat(/b/rootfs/dev, zero, c 1:5, 0666)", zero + 1) == all.size());
}

TEST_CASE("a set-gid /dev of the image gives its group: the default devices are chowned to 0:0") {
    test::RootfsFixture f;
    f.k.add_dir("/b/rootfs/dev");
    f.k.set_mode("/b/rootfs/dev", S_IFDIR | 02755);
    f.k.chown_node("/b/rootfs/dev", 0, 5);
    f.cfg.mounts.erase(f.cfg.mounts.begin() + 1);  // no /dev tmpfs: the image's /dev
    f.reset_spec();
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {"mknodat(/b/rootfs/dev, null, c 1:3, 0666)",
                                 "openat(/b/rootfs/dev, null, O_PATH|O_NOFOLLOW)",
                                 "fchownat(/b/rootfs/dev/null, 0:0)"});
    // chown keeps 0666 (it clears only set-id bits): no chmod.
    CHECK(f.k.calls_of({"fchmodat(", "chmod_opath("}).empty());
}

TEST_CASE("made by a caller whose group is not 0 (no user namespace), the default devices are chowned to 0:0") {
    test::RootfsFixture f;
    f.k.set_ids(0, 1234);
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {"mknodat(/b/rootfs/dev, null, c 1:3, 0666)",
                                 "openat(/b/rootfs/dev, null, O_PATH|O_NOFOLLOW)",
                                 "fchownat(/b/rootfs/dev/null, 0:0)"});
    // chown keeps 0666 (it clears only set-id bits): no chmod.
    CHECK(f.k.calls_of({"fchmodat(", "chmod_opath("}).empty());
}

TEST_CASE("a node swapped for something else between mknod and chown is refused, its name never followed") {
    // Two containers sharing a rootfs without a /dev tmpfs: the other one
    // replaces the fresh node (here by a file; a symlink to a host file is
    // the attack) before the owner is set.
    test::RootfsFixture f;
    f.k.add_dir("/b/rootfs/dev");
    f.cfg.mounts.erase(f.cfg.mounts.begin() + 1);  // no /dev tmpfs: the image's /dev
    f.cfg.linux->devices = {fuse_device(0660)};
    f.reset_spec();
    f.k.on_made = [&](const std::string& p) {
        if (p == "/b/rootfs/dev/fuse") f.k.add_file(p);
    };
    CHECK_THROWS_WITH(mount::prepare_rootfs(f.k, f.spec), doctest::Contains("replaced while it was being made"));
    INFO(f.k.dump());
    CHECK(f.k.calls_of({"fchownat(", "fchmodat(", "chmod_opath("}).empty());
}

TEST_CASE("in the image's /dev a default ACL may mask the mode: it is set again, on the node made") {
    // acl(5): a directory's default ACL, not the umask, then decides the
    // mode of what is made in it. The fake plays it by masking the mode.
    test::RootfsFixture f;
    f.k.add_dir("/b/rootfs/dev");
    f.cfg.mounts.erase(f.cfg.mounts.begin() + 1);  // no /dev tmpfs: the image's /dev
    f.reset_spec();
    f.k.on_made = [&](const std::string& p) {
        if (p == "/b/rootfs/dev/null") f.k.chmod_node(p, 0640);
    };
    mount::prepare_rootfs(f.k, f.spec);
    INFO(f.k.dump());
    check_in_order(f.k.calls(), {"mknodat(/b/rootfs/dev, null, c 1:3, 0666)",
                                 "openat(/b/rootfs/dev, null, O_PATH|O_NOFOLLOW)", "fstat(/b/rootfs/dev/null)",
                                 "chmod_opath(/b/rootfs/dev/null, 0666)"});
    CHECK((f.k.node_at("/b/rootfs/dev/null").mode & 07777) == 0666);
    // Already 0:0 and as asked: no chown, and zero needs no chmod.
    CHECK(f.k.calls_of({"fchownat(", "chmod_opath(/b/rootfs/dev/zero"}).empty());
}
