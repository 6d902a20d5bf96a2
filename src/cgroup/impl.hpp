// Internals shared by the v1 and v2 managers.
#pragma once

#include <sys/types.h>

#include <cerrno>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroup/hier.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/translate.hpp"

namespace ucrun::cgroup {

// controller -> the container's dir holding its files; "" if none.
using DirOf = std::function<std::string(const std::string& controller)>;

class FileProbe : public Probe {
public:
    explicit FileProbe(DirOf dir_of) : dir_of_(std::move(dir_of)) {}
    bool exists(const std::string& controller, const std::string& file) const override;
    std::optional<std::string> read(const std::string& controller, const std::string& file) const override;

private:
    DirOf dir_of_;
};

// Performs the writes (see WriteFlag). v2: an ENOENT on a controller's file
// is reported as the controller not being enabled for the cgroup.
void apply_writes(const std::vector<Write>& writes, const DirOf& dir_of, bool v2);

// Pids in cgroup.procs of dir and all its descendants.
std::vector<pid_t> pids_recursive(const std::string& dir);

// Stats in runc's `events --stats` shape (runc types/events.go).
nlohmann::json stats_v1(const DirOf& dir_of);
nlohmann::json stats_v2(const std::string& dir);
// "2MB", "1GB" ... from /sys/kernel/mm/hugepages (runc HugePageSizes).
std::vector<std::string> hugepage_sizes();
// "hugepages-2048kB" -> "2MB".
std::string hugepage_size_name(const std::string& dirent);

// cgroup.kill (Linux 5.14) cannot be used and the pids are signalled one by
// one instead: the file is absent (ENOENT: an older kernel), or not ours to
// write (EACCES, EPERM: a rootless caller in a cgroup someone else made;
// /sys/kernel/cgroup/delegate does not list cgroup.kill, so a delegated
// directory keeps it root's). runc 1.2 gives up there, and `delete --force`
// then leaves the container behind.
inline bool kill_file_unusable(int err) { return err == ENOENT || err == EACCES || err == EPERM; }

// Removing a container's own cgroup directory `dir` failed with `err`, and
// the container did not make it (it existed when the container joined it,
// so it is not in `created`, the record's list of what it made): EACCES or EPERM mean it is not
// ours to remove either (a rootless caller in a cgroup an administrator
// made for it). It then stays, instead of failing `delete` for good, but
// only bare: no process left in it and no child cgroup (the rmdir is
// refused before the kernel looks at either). Otherwise the error stands,
// and the state with it: the container is not gone. A directory the
// container made must go, or the error stands.
bool joined_and_not_ours(int err, const std::vector<std::string>& created, const std::string& dir);

// Sleeps with back-off until pred() or ~timeout; returns pred().
bool wait_until(const std::function<bool()>& pred, int timeout_ms);

std::unique_ptr<Manager> make_v1(Layout, const std::string& inner, const std::string& mountpoint);
std::unique_ptr<Manager> make_v2(const std::string& inner, const std::string& mountpoint);
std::unique_ptr<Manager> restore_v1(Layout, const Saved&);
std::unique_ptr<Manager> restore_v2(const Saved&);

}  // namespace ucrun::cgroup
