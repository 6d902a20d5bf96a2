#include "state/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "oci/container_id.hpp"
#include "oci/error.hpp"
#include "oci/parse.hpp"
#include "state/record_json.hpp"
#include "sys/dir.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::state {

namespace {
constexpr const char* kStateFile = "state.json";
// A record is a few KiB (hooks and the cgroup description included).
constexpr size_t kMaxStateBytes = 1 << 20;

void mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
    if (errno != ENOENT) throw_errno("mkdir " + path);
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) throw_errno("mkdir " + path);
    mkdir_p(path.substr(0, slash), mode);
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

// Returns 0 when `name` is gone, else the errno of its removal: a state
// root that is read-only (or otherwise refuses) must not let `delete`
// report success while the container stays on record.
// A container's directory holds files, and a notify socket's directory at
// most: deeper than this is not ours to walk (each level is a 2 KiB buffer
// on the stack), and the removal fails instead.
constexpr int kMaxStateDepth = 8;

int remove_tree_at(int dirfd, const char* name, int depth = 0) {
    auto result = [](int rc) { return rc == 0 || errno == ENOENT ? 0 : errno; };
    Fd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return result(::unlinkat(dirfd, name, 0));
    // getdents64(2) into a buffer on the stack, not a DIR stream: opendir
    // mallocs 32 KiB for the handful of names a container's directory
    // holds, and the heap grows for it at the end of every `run` and
    // `delete` (tests/bench/PERFORMANCE.md, "eighth pass").
    alignas(struct dirent64) char buf[2048];
    for (;;) {
        const ssize_t n = ::getdents64(fd.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
            const auto* e = reinterpret_cast<const struct dirent64*>(buf + off);
            off += e->d_reclen;
            const std::string_view entry = e->d_name;
            if (entry == "." || entry == "..") continue;
            // DT_UNKNOWN (a file system without types): EISDIR says which.
            if ((e->d_type == DT_DIR || (::unlinkat(fd.get(), e->d_name, 0) < 0 && errno == EISDIR)) &&
                depth < kMaxStateDepth)
                remove_tree_at(fd.get(), e->d_name, depth + 1);
        }
    }
    fd.reset();  // closed before its directory is removed
    return result(::unlinkat(dirfd, name, AT_REMOVEDIR));
}
}  // namespace

const std::string& checked_id(const std::string& id) {
    if (auto why = oci::container_id_problem(id); !why.empty()) {
        // Bounded echo: an id is at most 1024 characters when valid.
        std::string shown = id.size() > 80 ? id.substr(0, 80) + "..." : id;
        throw Error("invalid container id \"" + shown + "\": " + why);
    }
    return id;
}

Store::Store(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

int Store::root_fd(bool create) const {
    if (rootfd_) return rootfd_.get();
    if (create) mkdir_p(root_, 0711);
    rootfd_.reset(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd_) {
        if (errno == ENOENT && !create) return -1;
        throw_errno("open " + root_);
    }
    return rootfd_.get();
}

Fd Store::open_dir(const std::string& id) const {
    checked_id(id);
    int root = root_fd();
    if (root < 0) throw NotFound(id);
    Fd fd(::openat(root, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) throw NotFound(id);
        throw_errno("open " + dir(id));
    }
    return fd;
}

namespace {
Error id_exists(const std::string& id) { return Error("container with id exists: " + id); }
}  // namespace

void Store::check_free(const std::string& id) const {
    checked_id(id);
    int root = root_fd();
    if (root < 0) return;
    struct stat st;
    if (::fstatat(root, id.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) throw id_exists(id);
    if (errno != ENOENT) throw_errno("stat " + dir(id));
}

Fd Store::create_dir(const std::string& id) {
    checked_id(id);
    int root = root_fd(true);
    if (::mkdirat(root, id.c_str(), 0711) < 0) {
        if (errno == EEXIST) throw id_exists(id);
        throw_errno("mkdir " + dir(id));
    }
    Fd fd = open_dir(id);
    if (::flock(fd.get(), LOCK_EX) < 0) throw_errno("lock " + dir(id));
    return fd;
}

Fd Store::lock(const std::string& id) const {
    Fd fd = open_dir(id);
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) throw_errno("lock " + dir(id));
    // The directory may have been removed by a concurrent delete while we waited.
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink == 0) throw NotFound(id);
    return fd;
}

bool Store::locked(const std::string& id) const {
    Fd fd = open_dir(id);
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;  // released with fd
    return errno == EWOULDBLOCK;
}

namespace {

// The text of `fd`, a regular file its caller has checked (fstat) to hold
// `size` bytes, read until a short read, which for a regular file is its end;
// false when it holds more than `max` bytes (it grew after the check). Read
// straight into `out`, one byte more than `size` so that one read sees the
// end: a bounce buffer on the stack cost four page faults per command here
// (issue 17). Shared by the record and the private files: both are opened
// without blocking and checked first, each with its own rule and error.
bool read_at_most(int fd, const std::string& path, size_t max, size_t size, std::string& out) {
    out.assign(std::min(size, max) + 1, '\0');
    size_t have = 0;
    for (;;) {
        const size_t room = out.size() - have;
        ssize_t n = ::read(fd, out.data() + have, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read " + path);
        have += static_cast<size_t>(n);
        if (have > max) return false;
        if (static_cast<size_t>(n) < room) break;
        out.resize(std::min(out.size() * 2, max + 1));
    }
    out.resize(have);
    return true;
}

}  // namespace

std::optional<std::string> read_private_at(int dirfd, const std::string& name, size_t max_bytes,
                                           const std::string& path) {
    // O_NONBLOCK: a FIFO put in its place must not block the open.
    Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open " + path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) throw_errno("stat " + path);
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        throw Error(path + ": not a private file of this runtime (a regular file owned by uid " +
                    std::to_string(::geteuid()) + ", mode 0600)");
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        throw Error(path + ": " + std::to_string(st.st_size) + " bytes, at most " + std::to_string(max_bytes) +
                    " expected");
    std::string text;
    if (!read_at_most(fd.get(), path, max_bytes, static_cast<size_t>(st.st_size), text))
        throw Error(path + ": grew past " + std::to_string(max_bytes) + " bytes");
    return text;
}

Record Store::load(const std::string& id) const {
    checked_id(id);
    const std::string path = dir(id) + "/" + kStateFile;
    int root = root_fd();
    if (root < 0) throw NotFound(id);
    // <root>/<id>/state.json in one open, beneath the root and through no
    // symlink at all, not blocking on a planted FIFO; then one fstat and
    // reads until a short read, which for a regular file is its end. Four
    // system calls where there were six: `list` does this once per
    // container (issue 17).
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    Fd fd(sys::openat2(root, (id + "/" + kStateFile).c_str(), &how));
    if (!fd) {
        const int e = errno;
        if (e == ENOENT || e == ENOTDIR) throw NotFound(id);
        // An id that is a symlink is no container (open_dir's O_NOFOLLOW);
        // a link planted at state.json is a corrupt record, which
        // `delete --force` still clears (container/ops.cpp remove).
        struct stat st {};
        if (e == ELOOP && (::fstatat(root, id.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)))
            throw NotFound(id);
        if (e == ELOOP) throw Corrupt(path, "not a regular file (a symbolic link)");
        throw SysError("open " + path, e);
    }
    // Only a regular file of sane size is read: a FIFO, a device or a
    // directory planted there is corrupt, never waited on or read forever.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path);
    if (!S_ISREG(st.st_mode)) throw Corrupt(path, "not a regular file");
    if (static_cast<uint64_t>(st.st_size) > kMaxStateBytes) throw Corrupt(path, "larger than " + std::to_string(kMaxStateBytes) + " bytes");
    std::string text;
    if (!read_at_most(fd.get(), path, kMaxStateBytes, static_cast<size_t>(st.st_size), text))
        throw Corrupt(path, "larger than " + std::to_string(kMaxStateBytes) + " bytes");
    Record r = record_from_text(text, path);
    // The record is of this directory: commands find the exec FIFO, the
    // notify socket and the lock by its id (runtime.md "State": id). A
    // record of another container salvages nothing: `delete --force` must
    // not kill that container's init or remove its cgroup.
    if (r.state.id != id) throw Corrupt(path, "state.id " + oci::excerpt(r.state.id) + " is not the directory's name");
    return r;
}

std::string Store::encode(const Record& r) {
    // Only what the spec defines of the hooks is kept (typed): config.json's
    // own hooks object can hold anything.
    nlohmann::json j;
    j["state"] = oci::to_json(r.state);
    j["init_pid"] = r.pid;
    j["init_start_time"] = r.pid_start_time;
    if (r.cgroup) {
        const cgroup::Saved& c = *r.cgroup;
        nlohmann::json hs = nlohmann::json::array();
        for (const auto& h : c.hierarchies) hs.push_back({{"controllers", h.controllers}, {"mount", h.mount}, {"dir", h.dir}});
        nlohmann::json& cj = j["cgroup"];
        cj = {{"layout", c.layout}, {"path", c.path}, {"created", c.created}};
        if (c.layout == "v2") {
            cj["mount"] = c.mount;
            cj["dir"] = c.dir;
        } else {
            cj["hierarchies"] = std::move(hs);
            cj["unified_mount"] = c.unified_mount;
            cj["unified"] = c.unified;
        }
    }
    if (nlohmann::json h = oci::hooks_to_json(r.hooks); !h.is_null()) j["hooks"] = std::move(h);
    if (!r.init_exe.empty()) j["init_exe"] = r.init_exe;
    return j.dump();
}

void Store::save_encoded(const std::string& id, std::string_view text) const {
    // No fsync: the state lives on tmpfs (/run) and dies with the host anyway.
    Fd d = open_dir(id);
    sys::write_file_atomic_at(d.get(), kStateFile, text);
}

void Store::save(const Record& r) const { save_encoded(r.state.id, encode(r)); }

void Store::save_config(const std::string& id, std::string_view text) const {
    Fd d = open_dir(id);
    sys::write_file_atomic_at(d.get(), "config.json", text);
}

nlohmann::json Store::load_config(const std::string& id) const {
    // Read and checked as exec reads it; nlohmann's DOM of the same text,
    // which accepts every text the dom does (oci/dom.hpp), to edit.
    const oci::dom::Document d = load_config_dom(id);
    nlohmann::json j = nlohmann::json::parse(d.text(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(dir(id) + "/config.json: corrupt config");
    return j;
}

oci::dom::Document Store::load_config_dom(const std::string& id) const {
    Fd d = open_dir(id);
    try {
        return oci::parse_dom(sys::read_file_at(d.get(), "config.json"));  // the guarded parse (depth limit)
    } catch (const oci::SpecError&) {
        throw Error(dir(id) + "/config.json: corrupt config");
    }
}

void Store::save_private(const std::string& id, const std::string& name, std::string_view data) const {
    Fd d = open_dir(id);
    sys::write_file_atomic_at(d.get(), name, data, 0600);
}

std::optional<std::string> Store::load_private(const std::string& id, const std::string& name,
                                               size_t max_bytes) const {
    Fd d = open_dir(id);
    return read_private_at(d.get(), name, max_bytes, dir(id) + "/" + name);
}

void Store::remove(const std::string& id) const {
    checked_id(id);
    int root = root_fd();
    if (root < 0) return;
    if (int err = remove_tree_at(root, id.c_str())) throw SysError("remove " + dir(id), err);
}

bool Store::has_file(const std::string& id, const char* name) const {
    int root = root_fd();
    struct stat st {};
    return root >= 0 && ::fstatat(root, (checked_id(id) + "/" + name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Fd Store::own_dir(const std::string& name, bool create) const {
    if (oci::container_id_problem(name).empty()) throw Error("own_dir: \"" + name + "\" could be a container id");
    int root;
    try {
        root = root_fd(create);
    } catch (const SysError&) {
        return Fd();
    }
    if (root < 0) return Fd();
    if (create && ::mkdirat(root, name.c_str(), 0700) < 0 && errno != EEXIST) return Fd();
    Fd d(::openat(root, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!d || ::fstat(d.get(), &st) < 0 || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) return Fd();
    return d;
}

std::vector<std::string> Store::list_ids() const {
    std::vector<std::string> ids;
    int root = root_fd();
    if (root < 0) return ids;
    // A descriptor of our own, given to the stream (closedir closes it).
    Fd own(::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!own) throw_errno("open " + root_);
    sys::Dir d{::fdopendir(own.get())};
    if (!d) throw_errno("open " + root_);
    own.release();
    while (struct dirent* e = ::readdir(d.get())) {
        if (e->d_name[0] == '.') continue;
        // Only names that are ids: anything else in the root is not ours.
        if (!oci::container_id_problem(e->d_name).empty()) continue;
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) ids.emplace_back(e->d_name);
    }
    return ids;
}

uint64_t process_start_time(pid_t pid) {
    if (pid <= 0) return 0;
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";  // not snprintf: 9 KB of text
    // One read without exceptions: a process that is gone is the common
    // case of `delete` and `list`, not an error, and the file is one line
    // that procfs hands out whole (issue 17: no unwinding per container).
    char buf[4096];
    ssize_t n = -1;
    if (Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)}) n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return 0;
    std::string s(buf, static_cast<size_t>(n));
    // comm may contain spaces and parens: parse after the last ')'.
    auto p = s.rfind(')');
    if (p == std::string::npos) return 0;
    const char* c = s.c_str() + p + 2;  // field 3 (state)
    if (*c == 'Z' || *c == 'X') return 0;  // zombie/dead: the container has stopped
    for (int field = 3; field < 22 && *c; ++c)
        if (*c == ' ') ++field;
    return std::strtoull(c, nullptr, 10);
}

namespace {
std::string id_of(const struct stat& st) { return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino); }
std::string file_id(const char* path) {
    struct stat st;
    if (::stat(path, &st) < 0) return "";
    return id_of(st);
}
}  // namespace

std::string own_exe_id() { return file_id("/proc/self/exe"); }

std::string fd_file_id(int fd) {
    struct stat st;
    if (::fstat(fd, &st) < 0) return "";
    return id_of(st);
}

std::string exe_id(pid_t pid) {
    return file_id(("/proc/" + std::to_string(pid) + "/exe").c_str());
}

oci::Status live_status(const Store& store, const Record& r, const std::function<bool()>& frozen) {
    if (r.pid <= 0) {
        // The pid is recorded just after the init is placed: a create killed
        // in between leaves "creating" and no pid, and an init that died
        // with it (proc/init.cpp die_with_parent).
        const bool creating = r.state.status == oci::Status::Creating && store.locked(r.state.id);
        return creating ? oci::Status::Creating : oci::Status::Stopped;
    }
    uint64_t st = process_start_time(r.pid);
    if (st == 0 || st != r.pid_start_time) return oci::Status::Stopped;
    if (r.state.status == oci::Status::Creating) return oci::Status::Creating;
    if (frozen && frozen()) return oci::Status::Paused;
    if (store.has_file(r.state.id, "exec.fifo")) {
        // A `start` killed between releasing the init and removing the FIFO
        // leaves it behind: the init has executed the user's program, so
        // its executable is no longer the image that created it.
        if (!r.init_exe.empty()) {
            std::string now = exe_id(r.pid);
            if (!now.empty() && now != r.init_exe) return oci::Status::Running;
        }
        return oci::Status::Created;
    }
    return oci::Status::Running;
}

}  // namespace ucrun::state
