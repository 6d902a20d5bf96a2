// The proc/ and userns/ part of the recording fake (fake_kernel.hpp): the
// system calls of the container init's own setup (ids, hostname, rlimits,
// prctl, capset) and the writes of a user namespace's maps. Kept apart so
// that each file stays small; FakeKernel derives from it and lends it its
// recorder (record(): the call's line, scripted failures) and its fd names.
//   - write(fd, ...) records the data ("write(/proc/42/uid_map, 0 1000 1\n)")
//     and appends it to written(path);
//   - the ids start as root (euid/egid set_ids() for a rootless test);
//   - getcwd answers the fake's working directory as seen inside its root;
//   - read(fd) returns what set_content(path) gave that file, else EOF.
#pragma once

#include <linux/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sys/kernel.hpp"

namespace ucrun::test {

class ProcFake : public sys::Kernel {
public:
    // What was written to `path` (through fds of the fake), in order.
    std::string written(const std::string& path) const {
        auto it = written_.find(path);
        return it != written_.end() ? it->second : std::string();
    }
    // What read(2) of `path` returns (nothing unless set), from each fd's
    // own offset.
    void set_content(const std::string& path, const std::string& text) { content_[path] = text; }
    void set_cap_effective(uint64_t caps) { cap_effective_ = caps; }
    void set_ids(uid_t euid, gid_t egid) {
        euid_ = euid;
        egid_ = egid;
    }

    ssize_t write(int fd, const void* buf, size_t count) const override {
        const std::string data(static_cast<const char*>(buf), count);
        std::string shown;
        for (char c : data) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
        if (int r = record("write(" + fd_name(fd) + ", " + shown + ")")) return r;
        written_[fd_path(fd)] += data;
        return static_cast<ssize_t>(count);
    }
    int statx(int dirfd, const char* path, int, unsigned, struct statx* st) const override {
        if (int r = record("statx(" + fd_name(dirfd) + ", " + (*path ? path : "\"\"") + ")")) return r;
        *st = {};
        return 0;
    }
    char* getcwd(char* buf, size_t size) const override {
        const std::string cwd = visible_cwd();
        if (record("getcwd()") || cwd.size() >= size) return nullptr;
        cwd.copy(buf, cwd.size());
        buf[cwd.size()] = '\0';
        return buf;
    }
    int prctl(int option, unsigned long a2, unsigned long, unsigned long, unsigned long) const override {
        std::string rec;
        switch (option) {
        case PR_SET_KEEPCAPS: rec = "prctl(PR_SET_KEEPCAPS, " + std::to_string(a2) + ")"; break;
        case PR_SET_NO_NEW_PRIVS: rec = "prctl(PR_SET_NO_NEW_PRIVS, " + std::to_string(a2) + ")"; break;
        case PR_SET_DUMPABLE: rec = "prctl(PR_SET_DUMPABLE, " + std::to_string(a2) + ")"; break;
        case PR_CAPBSET_READ: rec = "prctl(PR_CAPBSET_READ, " + std::to_string(a2) + ")"; break;
        case PR_CAPBSET_DROP: rec = "prctl(PR_CAPBSET_DROP, " + std::to_string(a2) + ")"; break;
        case PR_CAP_AMBIENT: rec = "prctl(PR_CAP_AMBIENT, " + std::to_string(a2) + ")"; break;
        default: rec = "prctl(" + std::to_string(option) + ", " + std::to_string(a2) + ")";
        }
        if (int r = record(rec)) return r;
        return option == PR_CAPBSET_READ ? 1 : 0;  // every capability is in the bounding set
    }
    int sethostname(const char* name, size_t len) const override {
        return record("sethostname(" + std::string(name, len) + ")");
    }
    int setdomainname(const char* name, size_t len) const override {
        return record("setdomainname(" + std::string(name, len) + ")");
    }
    int personality(unsigned long persona) const override {
        return record(std::string("personality(") + (persona == PER_LINUX32 ? "PER_LINUX32" : "PER_LINUX") + ")");
    }
    int setrlimit(int resource, const struct rlimit* rl) const override {
        return record("setrlimit(" + std::to_string(resource) + ", " + std::to_string(rl->rlim_cur) + ", " +
                      std::to_string(rl->rlim_max) + ")");
    }
    mode_t umask(mode_t mask) const override {
        record("umask(0" + std::to_string(mask >> 6 & 7) + std::to_string(mask >> 3 & 7) + std::to_string(mask & 7) + ")");
        return 022;
    }
    int setgroups(size_t size, const gid_t* list) const override {
        std::string rec = "setgroups(";
        for (size_t i = 0; i < size; ++i) rec += (i ? "," : "") + std::to_string(list[i]);
        return record(rec + ")");
    }
    int setresgid(gid_t r, gid_t e, gid_t s) const override {
        return record("setresgid(" + std::to_string(r) + "," + std::to_string(e) + "," + std::to_string(s) + ")");
    }
    int setresuid(uid_t r, uid_t e, uid_t s) const override {
        return record("setresuid(" + std::to_string(r) + "," + std::to_string(e) + "," + std::to_string(s) + ")");
    }
    uid_t geteuid() const override { return euid_; }
    gid_t getegid() const override { return egid_; }
    // capget reports the effective set given to set_cap_effective (none).
    int capget(struct __user_cap_header_struct*, struct __user_cap_data_struct* data) const override {
        if (int r = record("capget()")) return r;
        data[0] = {};
        data[1] = {};
        data[0].effective = data[0].permitted = static_cast<uint32_t>(cap_effective_);
        data[1].effective = data[1].permitted = static_cast<uint32_t>(cap_effective_ >> 32);
        return 0;
    }
    int capset(struct __user_cap_header_struct*, struct __user_cap_data_struct* data) const override {
        const unsigned long long eff = data[0].effective | (static_cast<unsigned long long>(data[1].effective) << 32);
        return record("capset(effective " + std::to_string(eff) + ")");
    }
    long set_mempolicy(int mode, const unsigned long*, unsigned long maxnode) const override {
        return record("set_mempolicy(" + std::to_string(mode) + ", " + std::to_string(maxnode) + ")");
    }
    int sched_setattr(pid_t, void*, unsigned) const override { return record("sched_setattr()"); }
    int ioprio_set(int, int, int ioprio) const override { return record("ioprio_set(" + std::to_string(ioprio) + ")"); }
    int close_range(unsigned first, unsigned last, unsigned flags) const override {
        return record("close_range(" + std::to_string(first) + ", " +
                      (last == ~0U ? std::string("~0") : std::to_string(last)) + ", " + std::to_string(flags) + ")");
    }
    int close(int fd) const override { return record("close(" + fd_name(fd) + ")"); }
    long keyctl(int op, unsigned long, unsigned long, unsigned long, unsigned long) const override {
        return record("keyctl(" + std::to_string(op) + ")");
    }
    // Executable: what exists and is not a directory (stat first: the
    // callers do).
    int faccessat2(int dirfd, const char* path, int, int) const override {
        struct stat st;
        if (int r = record("faccessat2(" + fd_name(dirfd) + ", " + path + ")")) return r;
        return fstatat(dirfd, path, &st, 0) == 0 && !S_ISDIR(st.st_mode) ? 0 : -1;
    }

protected:
    ssize_t read_content(int fd, const std::string& path, void* buf, size_t count) const {
        auto it = content_.find(path);
        if (it == content_.end()) return 0;
        size_t& off = offsets_[fd];
        const size_t n = it->second.copy(static_cast<char*>(buf), count, std::min(off, it->second.size()));
        off += n;
        return static_cast<ssize_t>(n);
    }
    // FakeKernel's recorder: the call's line; -1 with errno when scripted to fail.
    virtual int record(const std::string& rec) const = 0;
    virtual std::string fd_name(int fd) const = 0;
    virtual std::string fd_path(int fd) const = 0;
    virtual std::string visible_cwd() const = 0;

private:
    mutable std::map<std::string, std::string> written_;
    std::map<std::string, std::string> content_;
    mutable std::map<int, size_t> offsets_;
    uid_t euid_ = 0;
    gid_t egid_ = 0;
    uint64_t cap_effective_ = 0;
};

}  // namespace ucrun::test
