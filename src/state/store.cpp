#include "state/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "oci/error.hpp"
#include "state/record_json.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::state {

namespace {
constexpr const char* kStateFile = "state.json";

void mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
    if (errno != ENOENT) throw_errno("mkdir " + path);
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) throw_errno("mkdir " + path);
    mkdir_p(path.substr(0, slash), mode);
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

void remove_tree_at(int dirfd, const char* name) {
    int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ::unlinkat(dirfd, name, 0);
        return;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return;
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        if (e->d_type == DT_DIR) remove_tree_at(::dirfd(d), e->d_name);
        else ::unlinkat(::dirfd(d), e->d_name, 0);
    }
    ::closedir(d);
    ::unlinkat(dirfd, name, AT_REMOVEDIR);
}
}  // namespace

Store::Store(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Fd Store::create_dir(const std::string& id) {
    mkdir_p(root_, 0711);
    std::string d = dir(id);
    if (::mkdir(d.c_str(), 0711) < 0) {
        if (errno == EEXIST) throw Error("container with id exists: " + id);
        throw_errno("mkdir " + d);
    }
    Fd fd(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open " + d);
    if (::flock(fd.get(), LOCK_EX) < 0) throw_errno("lock " + d);
    return fd;
}

Fd Store::lock(const std::string& id) const {
    std::string d = dir(id);
    Fd fd(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) throw NotFound(id);
        throw_errno("open " + d);
    }
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) throw_errno("lock " + d);
    // The directory may have been removed by a concurrent delete while we waited.
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink == 0) throw NotFound(id);
    return fd;
}

Record Store::load(const std::string& id) const {
    std::string path = dir(id) + "/" + kStateFile;
    std::string text;
    try {
        text = sys::read_file(path);
    } catch (const SysError& e) {
        if (e.code() == ENOENT || e.code() == ENOTDIR) throw NotFound(id);
        throw;
    }
    return record_from_text(text, path);
}

void Store::save(const Record& r) const {
    nlohmann::json j;
    j["state"] = oci::to_json(r.state);
    j["init_pid"] = r.pid;
    j["init_start_time"] = r.pid_start_time;
    if (!r.cgroup.is_null()) j["cgroup"] = r.cgroup;
    if (!r.hooks.is_null()) j["hooks"] = r.hooks;
    // No fsync: the state lives on tmpfs (/run) and dies with the host anyway.
    sys::write_file_atomic(dir(r.state.id) + "/" + kStateFile, j.dump());
}

void Store::save_config(const std::string& id, std::string_view text) const {
    sys::write_file_atomic(dir(id) + "/config.json", text);
}

nlohmann::json Store::load_config(const std::string& id) const {
    std::string path = dir(id) + "/config.json";
    auto j = nlohmann::json::parse(sys::read_file(path), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(path + ": corrupt config");
    return j;
}

void Store::remove(const std::string& id) const {
    Fd rootfd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) return;
    remove_tree_at(rootfd.get(), id.c_str());
}

std::vector<std::string> Store::list_ids() const {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root_.c_str());
    if (!d) {
        if (errno == ENOENT) return ids;
        throw_errno("open " + root_);
    }
    while (struct dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) ids.emplace_back(e->d_name);
    }
    ::closedir(d);
    return ids;
}

uint64_t process_start_time(pid_t pid) {
    if (pid <= 0) return 0;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    std::string s;
    try {
        s = sys::read_file(path);
    } catch (const SysError&) {
        return 0;
    }
    // comm may contain spaces and parens: parse after the last ')'.
    auto p = s.rfind(')');
    if (p == std::string::npos) return 0;
    const char* c = s.c_str() + p + 2;  // field 3 (state)
    if (*c == 'Z' || *c == 'X') return 0;  // zombie/dead: the container has stopped
    for (int field = 3; field < 22 && *c; ++c)
        if (*c == ' ') ++field;
    return std::strtoull(c, nullptr, 10);
}

oci::Status live_status(const Store& store, const Record& r, bool frozen) {
    if (r.pid <= 0) return r.state.status == oci::Status::Creating ? oci::Status::Creating : oci::Status::Stopped;
    uint64_t st = process_start_time(r.pid);
    if (st == 0 || st != r.pid_start_time) return oci::Status::Stopped;
    if (frozen) return oci::Status::Paused;
    std::string fifo = store.dir(r.state.id) + "/exec.fifo";
    if (::access(fifo.c_str(), F_OK) == 0) return oci::Status::Created;
    return oci::Status::Running;
}

}  // namespace ucrun::state
