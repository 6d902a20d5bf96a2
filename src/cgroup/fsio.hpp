// File I/O on cgroup file systems: small reads and writes with errors that
// name the file (and the value written).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ucrun::cgroup {

// Whole file; throws SysError("read <path>").
std::string read_file(const std::string& path);
// Whole file, or nullopt when it cannot be read (absent, no permission...).
std::optional<std::string> try_read(const std::string& path);
// One write(2) of `value` (cgroup files take one value per write); throws
//   SysError("write <path> = <value>", errno).
void write_file(const std::string& path, const std::string& value);
// As write_file, returning 0 or the errno instead of throwing.
int write_file_errno(const std::string& path, const std::string& value);
// One write(2) of `value` to an open cgroup file; 0 or the errno. A cgroup
// file takes each write as one value whatever the file offset (kernfs
// passes the offset, cgroup_file_write ignores it), so one open file can
// take several (the device rules of devices.allow).
int write_fd_errno(int fd, const std::string& value);
bool path_exists(const std::string& path);

// The directories mkdir_p(dir) would make, top down (none is made).
std::vector<std::string> missing_dirs(const std::string& dir);
// mkdir -p of an absolute path; returns the directories it made, outermost
// first.
std::vector<std::string> mkdir_p(const std::string& dir);
// The paths of the child directories of `dir` (none when it cannot be
// read): child cgroups, on a cgroup file system.
std::vector<std::string> child_dirs(const std::string& dir);
// Removes a cgroup directory and its child cgroups (depth first), retrying
// EBUSY a few times (processes may still be exiting). ENOENT is success.
// Throws SysError("rmdir <dir>") on failure; where the directory itself
// may not be removed (EACCES, EPERM), after its children are.
void remove_cgroup(const std::string& dir);

std::string trim(const std::string&);
std::string dirname(const std::string&);
std::string basename(const std::string&);
std::vector<std::string> split(const std::string& s, char sep);
std::vector<std::string> fields(const std::string& s);  // split on blanks

// Cgroup numbers: "max" (and v1's huge "unlimited" values stay as numbers)
// -> UINT64_MAX. Throws Error on garbage.
uint64_t parse_uint(const std::string& s);
// "key value" lines (memory.stat, cpu.stat, memory.events ...).
std::map<std::string, uint64_t> parse_keyed(const std::string& text);

}  // namespace ucrun::cgroup
