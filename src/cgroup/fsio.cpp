#include "cgroup/fsio.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "sys/error.hpp"
#include "sys/dir.hpp"
#include "sys/fd.hpp"

namespace ucrun::cgroup {

namespace {

int read_all(const std::string& path, std::string& out) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return 0;
        out.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

std::string read_file(const std::string& path) {
    std::string out;
    if (int err = read_all(path, out)) throw SysError("read " + path, err);
    return out;
}

std::optional<std::string> try_read(const std::string& path) {
    std::string out;
    if (read_all(path, out) != 0) return std::nullopt;
    return out;
}

int write_file_errno(const std::string& path, const std::string& value) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) return errno;
    return write_fd_errno(fd.get(), value);
}

int write_fd_errno(int fd, const std::string& value) {
    ssize_t n;
    do {
        n = ::write(fd, value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno;
    return 0;
}

void write_file(const std::string& path, const std::string& value) {
    if (int err = write_file_errno(path, value)) throw SysError("write " + path + " = " + value, err);
}

bool path_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::vector<std::string> missing_dirs(const std::string& dir) {
    std::vector<std::string> missing;
    std::string cur = dir;
    while (cur.size() > 1 && !path_exists(cur)) {
        missing.insert(missing.begin(), cur);
        cur = cur.substr(0, cur.rfind('/'));
    }
    return missing;
}

std::vector<std::string> mkdir_p(const std::string& dir) {
    // The full path first: a container's parents almost always exist, so
    // that is one mkdir(2) where a walk from the top made one per component
    // (four failing ones per v1 hierarchy; issue 17). Walk up only on ENOENT.
    std::vector<std::string> made;
    if (dir.empty() || dir == "/") return made;
    if (::mkdir(dir.c_str(), 0755) == 0) {
        made.push_back(dir);
        return made;
    }
    if (errno == EEXIST) return made;
    auto pos = dir.find_last_of('/');
    if (errno != ENOENT || pos == std::string::npos) throw SysError("mkdir " + dir, errno);
    made = mkdir_p(pos == 0 ? "/" : dir.substr(0, pos));  // strictly shorter: ends at "/"
    if (::mkdir(dir.c_str(), 0755) == 0) made.push_back(dir);
    else if (errno != EEXIST) throw SysError("mkdir " + dir, errno);
    return made;
}

std::vector<std::string> child_dirs(const std::string& dir) {
    std::vector<std::string> subs;
    if (sys::Dir d{::opendir(dir.c_str())}) {
        while (dirent* e = ::readdir(d.get())) {
            std::string n = e->d_name;
            if (e->d_type == DT_DIR && n != "." && n != "..") subs.push_back(dir + "/" + n);
        }
    }
    return subs;
}

void remove_cgroup(const std::string& dir) {
    // rmdir first: a cgroup dir holds only kernel files, which rmdir
    // ignores, and child dirs, which make it fail with EBUSY. Only then
    // look for child cgroups (a container with its own cgroup namespace may
    // have made some) and remove them first; an empty cgroup costs one
    // system call instead of a directory listing (issue 17).
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    // EACCES, EPERM: not ours to remove (impl.hpp joined_and_not_ours), but
    // the child cgroups the container made in it are.
    if (errno != EBUSY && errno != ENOTEMPTY && errno != EACCES && errno != EPERM) throw SysError("rmdir " + dir, errno);
    for (const auto& s : child_dirs(dir)) remove_cgroup(s);
    // runc RemovePath: retry a few times, doubling the delay (tasks that
    // are still exiting keep a cgroup busy for a moment).
    auto delay = std::chrono::milliseconds(10);
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
        if (errno != EBUSY || attempt == 5) throw SysError("rmdir " + dir, errno);
        std::this_thread::sleep_for(delay);
        delay *= 2;
    }
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\n");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\n");
    return s.substr(b, e - b + 1);
}

std::string dirname(const std::string& p) {
    auto pos = p.find_last_of('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return p.substr(0, pos);
}

std::string basename(const std::string& p) {
    auto pos = p.find_last_of('/');
    return pos == std::string::npos ? p : p.substr(pos + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos - start));
        if (pos == std::string::npos) return out;
        start = pos + 1;
    }
}

std::vector<std::string> fields(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

uint64_t parse_uint(const std::string& s0) {
    std::string s = trim(s0);
    if (s == "max") return UINT64_MAX;
    if (s.empty()) throw Error("cannot parse \"\" as a number");
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            // v1 reports negative values for some counters (e.g. "-1"): runc
            // (fscommon.ParseUint) clamps them to 0.
            if (s[0] == '-') return 0;
            throw Error("cannot parse \"" + s + "\" as a number");
        }
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
        v = v * 10 + d;
    }
    return v;
}

std::map<std::string, uint64_t> parse_keyed(const std::string& text) {
    std::map<std::string, uint64_t> out;
    for (const auto& line : split(text, '\n')) {
        auto f = fields(line);
        if (f.size() != 2) continue;
        try {
            out[f[0]] = parse_uint(f[1]);
        } catch (const Error&) {
        }
    }
    return out;
}

}  // namespace ucrun::cgroup
