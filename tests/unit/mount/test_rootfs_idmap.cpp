// make_idmapped_rootfs on real mounts. Each case runs in a forked child in
// a private mount namespace (the overlay "engine mount" it starts from must
// not reach the host), as root; the child reports failures as text.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "mount/idmap.hpp"
#include "mount/idmap_probe.hpp"
#include "mount/rootfs_idmap.hpp"
#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"
#include "sys/mountinfo.hpp"
#include "sys/syscalls.hpp"

using ucrun::Fd;
using ucrun::mount::make_idmapped_rootfs;

namespace {
// On real mounts: the running kernel.
const ucrun::sys::Kernel& kLinux = ucrun::sys::linux_kernel();
}  // namespace

namespace {

// Runs `body` in a child in a new, private mount namespace; returns what it
// reported ("" = every expectation held).
std::string in_private_ns(const std::function<void(std::string&)>& body) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        std::string out;
        try {
            if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
                out = "private mount namespace failed";
            else
                body(out);
        } catch (const std::exception& e) {
            out += std::string("exception: ") + e.what();
        }
        ucrun::sys::write_all(p[1], out);
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out = ucrun::sys::read_all(p[0]);
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) out += " (child died)";
    return out;
}

#define EXPECT(cond)                                                           \
    do {                                                                       \
        if (!(cond)) out += std::string(" failed: ") + #cond + ";";            \
    } while (0)

struct TmpDir {
    std::string path;
    TmpDir() {
        char t[] = "/var/tmp/ucrun-idroot-XXXXXX";  // on the host's disk file system
        REQUIRE(::mkdtemp(t));
        path = t;
        REQUIRE(::chmod(t, 0755) == 0);  // container ids walk through it
    }
    ~TmpDir() {
        if (std::system(("rm -rf '" + path + "'").c_str()) != 0)
            std::fprintf(stderr, "rm -rf %s failed\n", path.c_str());
    }
};

void mkfile(const std::string& p, uid_t uid, gid_t gid) {
    ucrun::sys::write_file_atomic(p, "x\n", 0644);
    REQUIRE(::chown(p.c_str(), uid, gid) == 0);
}
void mkdir_owned(const std::string& p, uid_t uid, gid_t gid) {
    REQUIRE(::mkdir(p.c_str(), 0755) == 0);
    REQUIRE(::chown(p.c_str(), uid, gid) == 0);
}

struct stat stat_of(const std::string& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) < 0) st.st_uid = st.st_gid = static_cast<uid_t>(-2);
    return st;
}

Fd container_userns() { return ucrun::mount::userns_with_mappings(kLinux, {{0, 100000, 65536}}, {{0, 100000, 65536}}); }

void attach(int tree, const std::string& where) {
    if (ucrun::sys::move_mount(tree, "", AT_FDCWD, where.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        throw std::runtime_error("move_mount to " + where + ": " + std::strerror(errno));
}

// As a process of the container would: fsuid/fsgid 100000 (container
// root), create `path` and append to `existing` (a copy-up on an overlay).
bool write_as_container_root(const std::string& create, const std::string& existing) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setfsgid(100000);
        ::setfsuid(100000);
        int fd = ::open(create.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) { std::perror(create.c_str()); ::_exit(1); }
        ::close(fd);
        fd = ::open(existing.c_str(), O_WRONLY | O_APPEND);
        if (fd < 0 || ::write(fd, "y\n", 2) != 2) { std::perror(existing.c_str()); ::_exit(2); }
        ::_exit(0);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// The message of the root.path error make_idmapped_rootfs gives, or what
// went otherwise.
std::string refusal(const std::string& rootfs, int userns) {
    try {
        make_idmapped_rootfs(kLinux, rootfs, userns);
        return "no error";
    } catch (const oci::SpecError& e) {
        return e.path() == "root.path" ? e.what() : std::string("wrong path: ") + e.what();
    }
}

std::string mountinfo() { return ucrun::sys::read_file("/proc/self/mountinfo"); }

// The fixture of the overlay cases: two lowers, an upper and a work dir,
// files owned on disk by 0 and by 1000, mounted on d/merged.
struct Overlay {
    std::string d;
    // `extra`: more options; `link`: l2 given through a symlink, as docker's
    // overlay2 gives its layers (l/ABC -> ../<id>/diff).
    explicit Overlay(const std::string& dir, const std::string& extra = "", bool link = false) : d(dir) {
        for (const char* s : {"/l1", "/l2", "/u", "/w", "/merged", "/mnt"}) mkdir_owned(d + s, 0, 0);
        mkfile(d + "/l1/root0", 0, 0);
        mkdir_owned(d + "/l2/home", 1000, 1000);
        mkfile(d + "/l2/home/u1000", 1000, 1000);
        mkfile(d + "/l2/shadowed", 1000, 1000);
        mkfile(d + "/l1/shadowed", 0, 0);
        if (link) REQUIRE(::symlink("l2", (d + "/link2").c_str()) == 0);
        std::string opts = "lowerdir=" + d + "/l1:" + d + (link ? "/link2" : "/l2") + ",upperdir=" + d +
                           "/u,workdir=" + d + "/w" + extra;
        if (::mount("overlay", (d + "/merged").c_str(), "overlay", 0, opts.c_str()) < 0)
            throw std::runtime_error("mount overlay: " + std::string(std::strerror(errno)));
    }
};

}  // namespace

TEST_CASE("idmapped rootfs on an overlay: ownership, copy-up, new files, host mount table") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path);
        Fd ns = container_userns();
        std::string before = mountinfo();
        Fd tree = make_idmapped_rootfs(kLinux, o.d + "/merged", ns.get());
        EXPECT(mountinfo() == before);
        attach(tree.get(), o.d + "/mnt");
        const std::string m = o.d + "/mnt";
        EXPECT(stat_of(m + "/root0").st_uid == 100000);
        EXPECT(stat_of(m + "/root0").st_gid == 100000);
        EXPECT(stat_of(m + "/home/u1000").st_uid == 101000);
        EXPECT(stat_of(m + "/shadowed").st_uid == 100000);  // l1 above l2
        EXPECT(stat_of(m).st_uid == 100000);
        EXPECT(write_as_container_root(m + "/new", m + "/root0"));
        // On disk: the new file and the copy-up in the upper layer, owned by 0.
        EXPECT(stat_of(o.d + "/u/new").st_uid == 0);
        EXPECT(stat_of(o.d + "/u/new").st_gid == 0);
        EXPECT(stat_of(o.d + "/u/root0").st_uid == 0);
        EXPECT(stat_of(o.d + "/u/root0").st_size == 4);
        EXPECT(stat_of(o.d + "/l1/root0").st_size == 2);  // the lower layer untouched
        // The engine's overlay still works (its workdir was not taken over).
        EXPECT(ucrun::sys::read_file(o.d + "/merged/new") == "");
        EXPECT(::truncate((o.d + "/merged/home/u1000").c_str(), 0) == 0);  // a copy-up there
        EXPECT(stat_of(o.d + "/u/home/u1000").st_uid == 1000);
        EXPECT(stat_of(o.d + "/w/ucrun-idmap").st_uid == 0);
        // Only the attach changed the mount table.
        EXPECT(mountinfo() != before);
    });
    CHECK(out == "");
}

TEST_CASE("the rebuilt overlay repeats the original's options; a layer given through a symlink") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path, ",redirect_dir=on,metacopy=on,xino=on", true);
        Fd ns = container_userns();
        Fd tree = make_idmapped_rootfs(kLinux, o.d + "/merged", ns.get());
        attach(tree.get(), o.d + "/mnt");
        EXPECT(stat_of(o.d + "/mnt/home/u1000").st_uid == 101000);
        std::string line;
        for (const auto& m : ucrun::sys::parse_mountinfo(mountinfo()))
            if (m.mount_point == o.d + "/mnt") line = m.super_options;
        // (index=off and xino are shown only when they differ from the default.)
        for (const char* opt : {"redirect_dir=on", "metacopy=on"})
            if (line.find(opt) == std::string::npos) out += std::string("no ") + opt + " in " + line + ";";
    });
    CHECK(out == "");
}

TEST_CASE("idmapped rootfs on a directory inside an overlay") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path);
        Fd ns = container_userns();
        Fd tree = make_idmapped_rootfs(kLinux, o.d + "/merged/home", ns.get());
        attach(tree.get(), o.d + "/mnt");
        EXPECT(stat_of(o.d + "/mnt/u1000").st_uid == 101000);
        EXPECT(stat_of(o.d + "/mnt/root0").st_uid == static_cast<uid_t>(-2));  // only the subtree
    });
    CHECK(out == "");
}

TEST_CASE("an overlay with index=on is refused, naming root.path") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path, ",index=on");
        Fd ns = container_userns();
        EXPECT(refusal(o.d + "/merged", ns.get()).find("index=on") != std::string::npos);
    });
    CHECK(out == "");
}

TEST_CASE("an overlay with relative layer paths is refused") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        const std::string d = t.path;
        for (const char* s : {"/l1", "/u", "/w", "/merged"}) mkdir_owned(d + s, 0, 0);
        // As docker does when the options exceed a page: chdir, then relative paths.
        if (::chdir(d.c_str()) < 0 ||
            ::mount("overlay", "merged", "overlay", 0, "lowerdir=l1,upperdir=u,workdir=w") < 0)
            out += "mount;";
        Fd ns = container_userns();
        EXPECT(refusal(d + "/merged", ns.get()).find("\"l1\" is relative") != std::string::npos);
    });
    CHECK(out == "");
}

TEST_CASE("an overlay with a mount under root.path is refused") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path);
        if (::mount("tmpfs", (o.d + "/merged/home").c_str(), "tmpfs", 0, nullptr) < 0) out += "tmpfs;";
        Fd ns = container_userns();
        EXPECT(refusal(o.d + "/merged", ns.get()).find("mount under it (" + o.d + "/merged/home)") !=
               std::string::npos);
    });
    CHECK(out == "");
}

TEST_CASE("idmapped rootfs on a plain ext4 directory, with a submount") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        const std::string r = t.path + "/rootfs", m = t.path + "/mnt";
        mkdir_owned(r, 0, 0);
        mkdir_owned(m, 0, 0);
        mkfile(r + "/root0", 0, 0);
        mkdir_owned(r + "/home", 1000, 1000);
        mkdir_owned(r + "/sub", 0, 0);
        // A submount (tmpfs, idmappable since 6.3) comes along, idmapped too.
        if (::mount("tmpfs", (r + "/sub").c_str(), "tmpfs", 0, "mode=0755") < 0) out += "tmpfs;";
        mkfile(r + "/sub/f1000", 1000, 1000);
        Fd ns = container_userns();
        std::string before = mountinfo();
        Fd tree = make_idmapped_rootfs(kLinux, r, ns.get());
        EXPECT(mountinfo() == before);
        attach(tree.get(), m);
        EXPECT(stat_of(m + "/root0").st_uid == 100000);
        EXPECT(stat_of(m + "/home").st_uid == 101000);
        EXPECT(stat_of(m + "/sub/f1000").st_uid == 101000);
        EXPECT(write_as_container_root(m + "/new", m + "/root0"));
        EXPECT(stat_of(r + "/new").st_uid == 0);
        EXPECT(stat_of(r + "/new").st_gid == 0);
        EXPECT(stat_of(r + "/root0").st_uid == 0);
    });
    CHECK(out == "");
}

TEST_CASE("a rootfs on a file system without idmapped mounts is refused, naming it") {
    if (::geteuid() != 0) return;
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        const std::string r = t.path + "/rootfs";
        mkdir_owned(r, 0, 0);
        if (::mount("ramfs", r.c_str(), "ramfs", 0, nullptr) < 0) out += "ramfs;";
        Fd ns = container_userns();
        EXPECT(refusal(r, ns.get()).find(r + " is on ramfs, which cannot be idmapped") != std::string::npos);
        // A plain directory holding a ramfs: named as the mount under it.
        const std::string p = t.path + "/plain";
        mkdir_owned(p, 0, 0);
        mkdir_owned(p + "/r", 0, 0);
        if (::mount("ramfs", (p + "/r").c_str(), "ramfs", 0, nullptr) < 0) out += "ramfs2;";
        EXPECT(refusal(p, ns.get()).find(p + "/r (ramfs)") != std::string::npos);
    });
    CHECK(out == "");
}

TEST_CASE("a non-user-namespace fd is refused") {
    if (::geteuid() != 0) return;
    Fd notns(::open("/", O_RDONLY | O_CLOEXEC));
    CHECK_THROWS_AS(make_idmapped_rootfs(kLinux, "/", notns.get()), ucrun::Error);
}

// By hand: build/tests/unit/mount/test-mount -ts='*timing*' --no-skip
TEST_CASE("timing of make_idmapped_rootfs" * doctest::skip()) {
    TmpDir t;
    std::string out = in_private_ns([&](std::string& out) {
        Overlay o(t.path);
        Fd ns = container_userns();
        for (const std::string& r : {t.path + "/l1", o.d + "/merged"}) {
            const int n = 200;
            auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < n; ++i) make_idmapped_rootfs(kLinux, r, ns.get());
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
            std::printf("%s: %.1f us per call\n", r.c_str(), static_cast<double>(us.count()) / n);
            std::fflush(stdout);  // the child leaves with _exit
        }
        (void)out;
    });
    CHECK(out == "");
}

// mount/idmap_probe.hpp (for `ucrun features`): true as host root on this
// kernel, false where the caller has no privilege over the host's file
// systems (a user namespace of its own, as a rootless caller).
TEST_CASE("can_idmap_mounts") {
    if (::geteuid() != 0) return;
    std::string why;
    CHECK(ucrun::mount::can_idmap_mounts(kLinux, &why));
    CHECK(why == "");
    std::string out = in_private_ns([](std::string& out) {
        if (::unshare(CLONE_NEWUSER) < 0) out += "unshare;";
        std::string why;
        if (ucrun::mount::can_idmap_mounts(kLinux, &why)) out += "idmap in an unprivileged user namespace;";
        if (why.empty()) out += "no reason;";
    });
    CHECK(out == "");
}

// By hand: build/tests/unit/mount/test-mount -ts='*timing*' --no-skip
TEST_CASE("timing of can_idmap_mounts" * doctest::skip()) {
    const int n = 200;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) ucrun::mount::can_idmap_mounts(kLinux);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    std::printf("can_idmap_mounts: %lld us each\n", static_cast<long long>(us.count() / n));
}
