#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroup/fsio.hpp"
#include "cgroup/impl.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::cgroup {

bool FileProbe::exists(const std::string& controller, const std::string& file) const {
    std::string d = dir_of_(controller);
    return !d.empty() && path_exists(d + "/" + file);
}

std::optional<std::string> FileProbe::read(const std::string& controller, const std::string& file) const {
    std::string d = dir_of_(controller);
    if (d.empty()) return std::nullopt;
    return try_read(d + "/" + file);
}

namespace {

[[noreturn]] void fail(const std::string& dir, const Write& w, int err, bool v2) {
    std::string what = "write " + dir + "/" + w.file + " = " + w.value;
    if (v2 && err == ENOENT) {
        auto ctrls = try_read(dir + "/cgroup.controllers");
        bool listed = false;
        if (ctrls)
            for (const auto& c : fields(*ctrls)) listed = listed || c == w.controller;
        if (ctrls && !listed && w.controller != "cgroup")
            what += " (controller \"" + w.controller + "\" is not enabled for " + dir + ")";
    }
    throw SysError(what, err);
}

void check_shares(const std::string& path, const Write& w) {
    uint64_t want = parse_uint(w.value), got = parse_uint(read_file(path));
    // The kernel clamps cpu.shares to 2..262144 (runc reports it so).
    if (want > got) throw Error("linux.resources.cpu.shares: the maximum allowed cpu-shares is " + std::to_string(got));
    if (want < got) throw Error("linux.resources.cpu.shares: the minimum allowed cpu-shares is " + std::to_string(got));
}

}  // namespace

void apply_writes(const std::vector<Write>& writes, const DirOf& dir_of, bool v2) {
    std::vector<std::pair<std::string, Write>> later;
    auto flush = [&] {
        for (const auto& [dir, w] : later)
            if (int err = write_file_errno(dir + "/" + w.file, w.value)) fail(dir, w, err, v2);
        later.clear();
    };
    // Consecutive writes to one file (devices.allow, rule by rule) share
    // one open file (fsio.hpp write_fd_errno): two system calls fewer per
    // rule (issue 17).
    Fd same;
    std::string same_path;
    for (size_t i = 0; i < writes.size(); ++i) {
        const Write& w = writes[i];
        std::string dir = dir_of(w.controller);
        if (dir.empty())
            throw Error("linux.resources: cannot set " + w.file + ": no " + w.controller +
                        " cgroup hierarchy is mounted");
        std::string path = dir + "/" + w.file;
        bool next_same = i + 1 < writes.size() && writes[i + 1].controller == w.controller &&
                         writes[i + 1].file == w.file;
        if (path != same_path) same.reset(), same_path.clear();
        if (!same && next_same) {
            same.reset(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
            if (same) same_path = path;
        }
        int err = same ? write_fd_errno(same.get(), w.value) : write_file_errno(path, w.value);
        if (err == 0) {
            if (w.flags & kCheckShares) check_shares(path, w);
        } else if (err == EINVAL && (w.flags & kRetryLater)) {
            later.emplace_back(dir, w);
        } else if (!(err == ENOENT && (w.flags & kOptional))) {
            fail(dir, w, err, v2);
        }
        if (i + 1 == writes.size() || writes[i + 1].controller != w.controller) flush();
    }
}

std::vector<pid_t> pids_recursive(const std::string& dir) {
    std::vector<pid_t> out;
    if (auto procs = try_read(dir + "/cgroup.procs"))
        for (const auto& f : fields(*procs)) out.push_back(static_cast<pid_t>(std::stol(f)));
    for (const auto& s : child_dirs(dir)) {
        auto more = pids_recursive(s);
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

bool joined_and_not_ours(int err, const std::vector<std::string>& created, const std::string& dir) {
    return (err == EACCES || err == EPERM) && std::find(created.begin(), created.end(), dir) == created.end() &&
           child_dirs(dir).empty() && pids_recursive(dir).empty();
}

bool wait_until(const std::function<bool()>& pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    auto delay = std::chrono::microseconds(100);
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        std::this_thread::sleep_for(delay);
        if (delay < std::chrono::milliseconds(20)) delay *= 2;
    }
}

}  // namespace ucrun::cgroup
