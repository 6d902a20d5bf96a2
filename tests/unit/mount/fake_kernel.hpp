// A recording fake of sys::Kernel (src/sys/kernel.hpp) for unit tests of
// the mount code without root and without touching the host:
//   - a small file system: absolute paths with a type (directory, file,
//     device, symlink), which the test fills (add_dir, add_file, add_chr)
//     and the calls change (mkdirat, mknodat, move_mount, ...);
//   - fds are symbolic handles: each one names what it refers to ("/b/rootfs/dev",
//     "tree:/dev/null", "fs:tmpfs", "mnt:tmpfs"), so that a record reads
//     `move_mount(mnt:tmpfs -> /b/rootfs/dev)`. Their numbers are far above
//     any real fd (Fd closes them: EBADF, harmless);
//   - every call is recorded as one line, with its arguments and flags
//     spelled out, in order (calls());
//   - fail("fsopen(sysfs)", EPERM) makes every call whose record contains
//     the text fail with that errno.
// pivot_root and chroot move the fake's "/" to the working directory:
// absolute paths given afterwards are resolved inside it, as the kernel does.
#pragma once

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fake_kernel_proc.hpp"
#include "sys/kernel.hpp"

namespace ucrun::test {

class FakeKernel final : public ProcFake {
public:
    struct Node {
        mode_t mode = S_IFDIR | 0755;
        dev_t rdev = 0;
        long fs_magic = 0;       // statfs f_type; 0 = some disk file system
        int nstype = 0;          // a namespace file: its CLONE_NEW* (NS_GET_NSTYPE)
        std::string owner = {};  // and the user namespace owning it (NS_GET_USERNS)
        uid_t uid = 0;           // made by the fake's euid; the group of a set-gid
        gid_t gid = 0;           // parent, else the fake's egid
    };

    // The file system.
    void add_dir(const std::string& p) { nodes_[p] = Node{.mode = S_IFDIR | 0755}; }
    void add_file(const std::string& p) { nodes_[p] = Node{.mode = S_IFREG | 0644}; }
    void set_mode(const std::string& p, mode_t m) { nodes_[p].mode = m; }
    void add_chr(const std::string& p, unsigned maj, unsigned min) {
        nodes_[p] = Node{.mode = S_IFCHR | 0666, .rdev = makedev(maj, min)};
    }
    // A namespace file (/proc/<pid>/ns/<type>, a bind of one) of type `clone_flag`.
    void add_ns(const std::string& p, int clone_flag, const std::string& owner = "") {
        nodes_[p] = Node{.mode = S_IFREG | 0444, .fs_magic = NSFS_MAGIC, .nstype = clone_flag, .owner = owner};
    }
    // `p` is a symlink the kernel resolves to `target` (a lookup of p lands
    // on target): a rootfs's "/x -> /" under RESOLVE_IN_ROOT, say.
    void add_link(const std::string& p, const std::string& target) { links_[p] = target; }
    void chmod_node(const std::string& p, mode_t perm) { nodes_.at(p).mode = (nodes_.at(p).mode & S_IFMT) | perm; }
    void chown_node(const std::string& p, uid_t uid, gid_t gid) {
        nodes_.at(p).uid = uid;
        nodes_.at(p).gid = gid;
    }
    const Node& node_at(const std::string& p) const { return nodes_.at(p); }
    // The file system type under `p` (statfs f_type), e.g. PROC_SUPER_MAGIC.
    void set_magic(const std::string& p, long magic) { nodes_.at(p).fs_magic = magic; }
    bool exists(const std::string& p) const { return nodes_.count(p) != 0; }
    const Node& node(const std::string& p) const { return nodes_.at(p); }

    // Scripted failures: a call whose record contains `match` fails with `err`.
    void fail(const std::string& match, int err) { failures_.push_back({match, err}); }

    // Every call so far, in order.
    const std::vector<std::string>& calls() const { return calls_; }
    // The calls whose record starts with one of `prefixes`.
    std::vector<std::string> calls_of(std::initializer_list<const char*> prefixes) const {
        std::vector<std::string> out;
        for (const auto& c : calls_)
            for (const char* p : prefixes)
                if (c.rfind(p, 0) == 0) {
                    out.push_back(c);
                    break;
                }
        return out;
    }
    // The calls that change the mount table (mount, umount2, move_mount,
    // mount_setattr, pivot_root, chroot), the ones a reader checks first.
    std::vector<std::string> mount_calls() const {
        return calls_of({"mount(", "umount2(", "move_mount(", "mount_setattr(", "pivot_root(", "chroot("});
    }
    std::string dump() const {
        std::string s;
        for (const auto& c : calls_) s += c + "\n";
        return s;
    }

    // --- sys::Kernel ---
    int mount(const char* source, const char* target, const char* fstype, unsigned long flags,
              const void* data) const override {
        std::string rec = "mount(" + opt(source) + ", " + opt(target) + ", " + opt(fstype) + ", " + ms_flags(flags);
        if (data) rec += ", " + std::string(static_cast<const char*>(data));
        return done(rec + ")");
    }
    int umount2(const char* target, int flags) const override {
        return done("umount2(" + std::string(target) + (flags & MNT_DETACH ? ", MNT_DETACH" : "") + ")");
    }
    int open_tree(int dirfd, const char* path, unsigned flags) const override {
        std::string rec =
            "open_tree(" + name(dirfd) + ", " + quoted(path) + ", " +
            bits(flags & ~static_cast<unsigned>(OPEN_TREE_CLOEXEC),
                 {{OPEN_TREE_CLONE, "CLONE"}, {AT_RECURSIVE, "RECURSIVE"}, {AT_EMPTY_PATH, "EMPTY_PATH"}}) +
            ")";
        const std::string p = resolve(dirfd, path);
        if (int r = fails(rec)) return r;
        if (!exists(p) && !is_handle_path(p)) return err(ENOENT);
        return handle("tree:" + p, p);
    }
    int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) const override {
        std::string rec = "move_mount(" + name(from_dfd) + (*from ? std::string(" ") + from : "") + " -> " +
                          name(to_dfd) + (*to ? std::string(" ") + to : "") + ")";
        (void)flags;
        if (int r = fails(rec)) return r;
        // The target now shows what was mounted: a bound device is a
        // device, a new file system a directory.
        const std::string src = path_of(from_dfd), dst = *to ? resolve(to_dfd, to) : path_of(to_dfd);
        auto it = nodes_.find(src);
        nodes_[dst] = it != nodes_.end() ? it->second : Node{.mode = S_IFDIR | 0755, .fs_magic = magic_of(src)};
        return 0;
    }
    int fsopen(const char* fstype, unsigned) const override {
        if (int r = fails("fsopen(" + std::string(fstype) + ")")) return r;
        return handle(std::string("fs:") + fstype, std::string("fs:") + fstype);
    }
    int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int) const override {
        std::string rec = "fsconfig(" + name(fd) + ", ";
        switch (cmd) {
        case FSCONFIG_SET_STRING: rec += std::string(key) + "=" + static_cast<const char*>(value); break;
        case FSCONFIG_SET_FLAG: rec += key; break;
        case FSCONFIG_CMD_CREATE: rec += "CREATE"; break;
        case FSCONFIG_CMD_RECONFIGURE: rec += "RECONFIGURE"; break;
        default: rec += "cmd " + std::to_string(cmd);
        }
        return done(rec + ")");
    }
    int fspick(int dirfd, const char* path, unsigned) const override {
        if (int r = fails("fspick(" + name(dirfd) + ", " + quoted(path) + ")")) return r;
        return handle("fs:" + path_of(dirfd), "fs:" + path_of(dirfd));
    }
    int fsmount(int fd, unsigned, unsigned attr_flags) const override {
        const std::string fs = name(fd);
        if (int r = fails("fsmount(" + fs + ", " + attrs(attr_flags) + ")")) return r;
        const std::string n = "mnt:" + fs.substr(fs.rfind(':') + 1);
        return handle(n, n);
    }
    int mount_setattr(int dirfd, const char* path, unsigned flags, struct mount_attr* a) const override {
        std::string rec = "mount_setattr(" + name(dirfd) + (*path ? std::string(" ") + path : "");
        if (a->attr_set) rec += ", set " + attrs(a->attr_set);
        if (a->attr_set & MOUNT_ATTR_IDMAP) rec += " " + name(static_cast<int>(a->userns_fd));  // through which userns
        if (a->attr_clr) rec += ", clr " + attrs(a->attr_clr);
        if (a->propagation) rec += ", " + ms_flags(a->propagation);
        if (flags & AT_RECURSIVE) rec += ", RECURSIVE";
        return done(rec + ")");
    }
    int pivot_root(const char* new_root, const char* put_old) const override {
        int r = done("pivot_root(" + std::string(new_root) + ", " + put_old + ")");
        if (r == 0) root_ = resolve(AT_FDCWD, new_root);
        return r;
    }
    int chroot(const char* path) const override {
        int r = done("chroot(" + std::string(path) + ")");
        if (r == 0) root_ = resolve(AT_FDCWD, path);
        return r;
    }
    int chdir(const char* path) const override {
        if (int r = fails("chdir(" + std::string(path) + ")")) return r;
        const std::string p = resolve(AT_FDCWD, path);
        if (!exists(p)) return err(ENOENT);
        cwd_ = p;
        return 0;
    }
    int fchdir(int fd) const override {
        if (int r = fails("fchdir(" + name(fd) + ")")) return r;
        cwd_ = path_of(fd);
        return 0;
    }
    int open(const char* path, int flags, mode_t mode) const override {
        return openat(AT_FDCWD, path, flags, mode);
    }
    int openat(int dirfd, const char* path, int flags, mode_t mode) const override {
        std::string rec = "openat(" + name(dirfd) + ", " + quoted(path) + ", " + open_flags(flags) + ")";
        return open_path(rec, resolve(dirfd, path), flags, mode);
    }
    int openat2(int dirfd, const char* path, struct open_how* how) const override {
        std::string rec = "openat2(" + name(dirfd) + ", " + quoted(path) + ", " +
                          open_flags(static_cast<int>(how->flags)) + ")";
        return open_path(rec, resolve(dirfd, path), static_cast<int>(how->flags), 0);
    }
    int dup(int fd) const override {
        if (int r = fails("dup(" + name(fd) + ")")) return r;
        return handle(name(fd), path_of(fd));
    }
    ssize_t read(int fd, void* buf, size_t count) const override {
        if (int r = fails("read(" + name(fd) + ")")) return r;
        return read_content(fd, path_of(fd), buf, count);  // fake_kernel_proc.hpp
    }
    int fstat(int fd, struct stat* st) const override {
        if (int r = fails("fstat(" + name(fd) + ")")) return r;
        return stat_path(path_of(fd), st);
    }
    int fstatat(int dirfd, const char* path, struct stat* st, int) const override {
        if (int r = fails("fstatat(" + name(dirfd) + ", " + quoted(path) + ")")) return r;
        return stat_path(resolve(dirfd, path), st);
    }
    int fstatfs(int fd, struct statfs* st) const override {
        if (int r = fails("fstatfs(" + name(fd) + ")")) return r;
        std::memset(st, 0, sizeof *st);
        const std::string p = path_of(fd);
        auto it = nodes_.find(p);
        st->f_type = it != nodes_.end() ? it->second.fs_magic : magic_of(p);
        return 0;
    }
    int access(const char* path, int) const override {
        if (int r = fails("access(" + std::string(path) + ")")) return r;
        return exists(resolve(AT_FDCWD, path)) ? 0 : err(ENOENT);
    }
    ssize_t readlinkat(int dirfd, const char* path, char*, size_t) const override {
        if (int r = fails("readlinkat(" + name(dirfd) + ", " + path + ")")) return r;
        return err(EINVAL);
    }
    int mkdirat(int dirfd, const char* path, mode_t mode) const override {
        return make(dirfd, path, Node{.mode = static_cast<mode_t>(S_IFDIR | mode)},
                    "mkdirat(" + name(dirfd) + ", " + path + ", " + octal(mode) + ")");
    }
    int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) const override {
        const char* t = S_ISCHR(mode) ? "c" : S_ISBLK(mode) ? "b" : S_ISFIFO(mode) ? "p" : "?";
        return make(dirfd, path, Node{.mode = mode, .rdev = dev},
                    "mknodat(" + name(dirfd) + ", " + path + ", " + t + " " + std::to_string(major(dev)) + ":" +
                        std::to_string(minor(dev)) + ", " + octal(mode & 07777) + ")");
    }
    int symlinkat(const char* target, int dirfd, const char* linkpath) const override {
        return make(dirfd, linkpath, Node{.mode = S_IFLNK | 0777},
                    "symlinkat(" + std::string(target) + ", " + name(dirfd) + ", " + linkpath + ")");
    }
    int unlinkat(int dirfd, const char* path, int) const override {
        if (int r = fails("unlinkat(" + name(dirfd) + ", " + path + ")")) return r;
        return nodes_.erase(resolve(dirfd, path)) ? 0 : err(ENOENT);
    }
    int fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int) const override {
        int r = done("fchownat(" + name(dirfd) + (*path ? std::string(", ") + path : "") + ", " +
                     std::to_string(uid) + ":" + std::to_string(gid) + ")");
        if (r == 0)
            if (auto it = nodes_.find(*path ? resolve(dirfd, path) : path_of(dirfd)); it != nodes_.end()) {
                it->second.uid = uid;
                it->second.gid = gid;
            }
        return r;
    }
    int fchmodat(int dirfd, const char* path, mode_t mode, int) const override {
        return done("fchmodat(" + name(dirfd) + ", " + path + ", " + octal(mode) + ")");
    }
    int fchmod(int fd, mode_t mode) const override { return done("fchmod(" + name(fd) + ", " + octal(mode) + ")"); }
    int chmod_opath(int fd, mode_t mode) const override {
        int r = done("chmod_opath(" + name(fd) + ", " + octal(mode) + ")");
        if (r == 0)
            if (auto it = nodes_.find(path_of(fd)); it != nodes_.end())
                it->second.mode = (it->second.mode & S_IFMT) | (mode & 07777);
        return r;
    }
    int ioctl(int fd, unsigned long request) const override {
        if (int r = fails("ioctl(" + name(fd) + ", " +
                          (request == NS_GET_NSTYPE   ? "NS_GET_NSTYPE"
                           : request == NS_GET_USERNS ? "NS_GET_USERNS"
                                                      : std::to_string(request)) +
                          ")"))
            return r;
        auto it = nodes_.find(path_of(fd));
        if (it == nodes_.end() || !it->second.nstype) return err(ENOTTY);
        if (request == NS_GET_NSTYPE) return it->second.nstype;
        if (request == NS_GET_USERNS)
            return it->second.owner.empty() ? err(EPERM) : handle(it->second.owner, it->second.owner);
        return err(ENOTTY);
    }
    int setns(int fd, int nstype) const override {
        return done("setns(" + name(fd) + ", " + std::to_string(nstype) + ")");
    }
    int unshare(int flags) const override { return done("unshare(" + std::to_string(flags) + ")"); }

    // --- the parent's calls (container/, mount/idmap*) ---
    // clone3 makes no process: a pretend pid (kFirstPid, then up), with a
    // pidfd handle "pidfd:<pid>" for CLONE_PIDFD. socketpair is a real one,
    // whose second end the test keeps (peer()) to play the child's side.
    pid_t clone3(struct clone_args* a, size_t) const override {
        std::string rec = "clone3(" + bits(a->flags, {{CLONE_NEWUSER, "NEWUSER"}, {CLONE_NEWNS, "NEWNS"},
            {CLONE_NEWPID, "NEWPID"}, {CLONE_NEWNET, "NEWNET"}, {CLONE_NEWIPC, "NEWIPC"}, {CLONE_NEWUTS, "NEWUTS"},
            {CLONE_NEWCGROUP, "NEWCGROUP"}, {CLONE_PIDFD, "PIDFD"}, {CLONE_INTO_CGROUP, "INTO_CGROUP"},
            {CLONE_VM, "VM"}, {CLONE_VFORK, "VFORK"}});
        if (a->flags & CLONE_INTO_CGROUP) rec += ", " + name(static_cast<int>(a->cgroup));
        if (int r = fails(rec + ")")) return r;
        const pid_t pid = next_pid_++;
        const std::string n = "pidfd:" + std::to_string(pid);
        if (a->flags & CLONE_PIDFD) *reinterpret_cast<int*>(a->pidfd) = handle(n, n);
        if (on_clone) on_clone();
        return pid;
    }
    // The same pretend child, recorded with the flags the real one adds
    // (CLONE_VM|CLONE_VFORK); fn is not run (it would be the init).
    pid_t borrowing_clone3(struct clone_args* a, size_t size, int (*)(void*), void*) const override {
        a->flags |= CLONE_VM | CLONE_VFORK;
        return clone3(a, size);
    }
    pid_t waitpid(pid_t pid, int* status, int options) const override {
        if (int r = fails("waitpid(" + std::to_string(pid) + (options & __WALL ? ", __WALL" : "") + ")")) return r;
        if (status) *status = 0;
        return pid;
    }
    int kill(pid_t pid, int sig) const override {
        return done("kill(" + std::to_string(pid) + ", SIG" + sigabbrev_np(sig) + ")");
    }
    int pidfd_open(pid_t pid, unsigned) const override {
        const std::string n = "pidfd:" + std::to_string(pid);
        if (int r = fails("pidfd_open(" + std::to_string(pid) + ")")) return r;
        return handle(n, n);
    }
    int pidfd_send_signal(int pidfd, int sig, siginfo_t*, unsigned) const override {
        return done("pidfd_send_signal(" + name(pidfd) + ", SIG" + sigabbrev_np(sig) + ")");
    }
    int pipe2(int fds[2], int) const override {
        if (int r = fails("pipe2()")) return r;
        fds[0] = handle("pipe:r", "pipe:r");
        fds[1] = handle("pipe:w", "pipe:w");
        return 0;
    }
    int socketpair(int domain, int type, int protocol, int sv[2]) const override {
        if (int r = fails("socketpair()")) return r;
        if (::socketpair(domain, type, protocol, sv) < 0) return -1;
        peer_ = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 0);
        return 0;
    }
    int fstatvfs(int fd, struct statvfs* sv) const override {
        std::memset(sv, 0, sizeof *sv);
        return done("fstatvfs(" + name(fd) + ")");
    }
    // The child's end of the last socketpair, the test's to read and write
    // (closed with the fake); on_clone runs when clone3 "starts" the child:
    // a test plays the child's side there (what it sends, the parent reads).
    int peer() const { return peer_; }
    std::function<void()> on_clone;
    // Runs with the path of each file made (mkdirat, mknodat, symlinkat):
    // a test plays whoever else changes the tree right after.
    std::function<void(const std::string&)> on_made;
    ~FakeKernel() override {
        if (peer_ >= 0) ::close(peer_);
    }
    static constexpr pid_t kFirstPid = 1 << 23;  // above pid_max (at most 2^22): no process has it

    // The name of an fd in the records ("cwd" for AT_FDCWD).
    std::string name(int fd) const {
        if (fd == AT_FDCWD) return "cwd";
        auto it = handles_.find(fd);
        return it != handles_.end() ? it->second.name : "fd" + std::to_string(fd) + "?";
    }
    // An fd of the fake for `path` (a test's own rootfd, say).
    int open_handle(const std::string& path) const { return handle(path, path); }

private:
    // ProcFake's recorder (fake_kernel_proc.hpp).
    int record(const std::string& rec) const override { return fails(rec); }
    std::string fd_name(int fd) const override { return name(fd); }
    std::string fd_path(int fd) const override { return path_of(fd); }
    std::string visible_cwd() const override {
        return root_.empty() || root_ == "/" ? cwd_ : cwd_ == root_ ? "/" : cwd_.substr(root_.size());
    }

    struct Handle {
        std::string name;  // in records
        std::string path;  // what it refers to
    };
    struct Failure {
        std::string match;
        int err;
    };
    static constexpr int kFirstFd = 1 << 24;  // above any fd the kernel hands out (nr_open <= 2^20)

    // The fake is const through the interface, as the real kernel object
    // is: its state is a test's bookkeeping.
    mutable std::map<std::string, Node> nodes_;
    std::map<std::string, std::string> links_;
    mutable std::map<int, Handle> handles_;
    mutable int next_ = kFirstFd;
    mutable std::vector<std::string> calls_;
    mutable std::string root_;  // "" = the host's "/"
    mutable std::string cwd_ = "/";
    std::vector<Failure> failures_;
    mutable pid_t next_pid_ = kFirstPid;
    mutable int peer_ = -1;

    static int err(int e) {
        errno = e;
        return -1;
    }
    int fails(const std::string& rec) const {
        calls_.push_back(rec);
        for (const auto& f : failures_)
            if (rec.find(f.match) != std::string::npos) {
                calls_.back() += " = " + std::string(strerrorname_np(f.err));
                return err(f.err);
            }
        return 0;
    }
    int done(const std::string& rec) const { return fails(rec); }
    int handle(const std::string& n, const std::string& p) const {
        handles_[next_] = Handle{n, p};
        return next_++;
    }
    std::string path_of(int fd) const {
        if (fd == AT_FDCWD) return cwd_;
        auto it = handles_.find(fd);
        return it != handles_.end() ? it->second.path : "fd" + std::to_string(fd) + "?";
    }
    static bool is_handle_path(const std::string& p) { return p.rfind("mnt:", 0) == 0 || p.rfind("tree:", 0) == 0; }
    static long magic_of(const std::string& p) {
        if (p.find("mnt:proc") != std::string::npos) return PROC_SUPER_MAGIC;
        return p.find("mnt:") != std::string::npos ? TMPFS_MAGIC : 0;
    }
    // Lexical: "a/./b" and "a/b/.." are not normalized beyond "." (the
    // code under test never passes "..").
    std::string resolve(int dirfd, const std::string& path) const {
        std::string base;
        std::string rel = path;
        if (!path.empty() && path[0] == '/') {
            base = root_;
            rel = path.substr(path.find_first_not_of('/') == std::string::npos ? path.size()
                                                                               : path.find_first_not_of('/'));
            if (base.empty()) base = "/";
        } else {
            base = path_of(dirfd);
        }
        if (rel.empty() || rel == ".") return base;
        if (rel.rfind("./", 0) == 0) rel = rel.substr(2);
        const std::string p = base == "/" ? "/" + rel : base + "/" + rel;
        auto link = links_.find(p);
        return link != links_.end() ? link->second : p;
    }
    int open_path(const std::string& rec, const std::string& p, int flags, mode_t mode) const {
        if (int r = fails(rec)) return r;
        if (!exists(p) && !is_handle_path(p)) {
            if (!(flags & O_CREAT)) return err(ENOENT);
            nodes_[p] = Node{.mode = static_cast<mode_t>(S_IFREG | mode)};
        } else if ((flags & O_CREAT) && (flags & O_EXCL)) {
            return err(EEXIST);
        }
        if ((flags & O_DIRECTORY) && exists(p) && !S_ISDIR(nodes_.at(p).mode)) return err(ENOTDIR);
        return handle(p, p);
    }
    int stat_path(const std::string& p, struct stat* st) const {
        std::memset(st, 0, sizeof *st);
        auto it = nodes_.find(p);
        if (it == nodes_.end() && !is_handle_path(p) && p.rfind("fs:", 0) != 0) return err(ENOENT);
        st->st_mode = it != nodes_.end() ? it->second.mode : S_IFDIR | 0755;
        st->st_rdev = it != nodes_.end() ? it->second.rdev : 0;
        st->st_uid = it != nodes_.end() ? it->second.uid : 0;
        st->st_gid = it != nodes_.end() ? it->second.gid : 0;
        st->st_dev = 1;
        st->st_ino = std::hash<std::string>{}(p);
        return 0;
    }
    int make(int dirfd, const char* path, Node n, const std::string& rec) const {
        if (int r = fails(rec)) return r;
        const std::string p = resolve(dirfd, path);
        if (exists(p)) return err(EEXIST);
        n.uid = geteuid();
        n.gid = getegid();
        if (auto parent = nodes_.find(p.substr(0, p.rfind('/'))); parent != nodes_.end() && (parent->second.mode & S_ISGID))
            n.gid = parent->second.gid;
        nodes_[p] = n;
        if (on_made) on_made(p);
        return 0;
    }

    static std::string opt(const char* s) { return s ? s : "-"; }
    static std::string quoted(const char* s) { return *s ? s : "\"\""; }
    static std::string octal(mode_t m) {
        char b[16];
        std::snprintf(b, sizeof b, "0%o", static_cast<unsigned>(m));
        return b;
    }
    static std::string bits(unsigned long v, std::initializer_list<std::pair<unsigned long, const char*>> names) {
        std::string s;
        for (const auto& [bit, n] : names)
            if ((v & bit) == bit && bit) {
                s += (s.empty() ? "" : "|") + std::string(n);
                v &= ~bit;
            }
        if (v) s += (s.empty() ? "" : "|") + std::to_string(v);
        return s.empty() ? "0" : s;
    }
    static std::string ms_flags(unsigned long f) {
        return bits(f, {{MS_BIND, "MS_BIND"}, {MS_MOVE, "MS_MOVE"}, {MS_REMOUNT, "MS_REMOUNT"},
                        {MS_RDONLY, "MS_RDONLY"}, {MS_SHARED, "MS_SHARED"}, {MS_PRIVATE, "MS_PRIVATE"},
                        {MS_SLAVE, "MS_SLAVE"}, {MS_UNBINDABLE, "MS_UNBINDABLE"}, {MS_REC, "MS_REC"}});
    }
    static std::string attrs(unsigned long a) {
        return bits(a, {{MOUNT_ATTR_RDONLY, "RDONLY"}, {MOUNT_ATTR_NOSUID, "NOSUID"}, {MOUNT_ATTR_NODEV, "NODEV"},
                        {MOUNT_ATTR_NOEXEC, "NOEXEC"}, {MOUNT_ATTR_NOATIME, "NOATIME"},
                        {MOUNT_ATTR_STRICTATIME, "STRICTATIME"}, {MOUNT_ATTR_NODIRATIME, "NODIRATIME"},
                        {MOUNT_ATTR_IDMAP, "IDMAP"}});
    }
    static std::string open_flags(int f) {
        return bits(static_cast<unsigned>(f) & ~static_cast<unsigned>(O_CLOEXEC),
                    {{O_PATH, "O_PATH"}, {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"},
                     {O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_WRONLY, "O_WRONLY"},
                     {O_NONBLOCK, "O_NONBLOCK"}, {O_NOCTTY, "O_NOCTTY"}});
    }
};

}  // namespace ucrun::test
