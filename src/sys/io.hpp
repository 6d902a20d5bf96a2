// Small whole-file and whole-buffer I/O helpers that retry on EINTR and
// throw SysError naming the file.
#pragma once

#include <string>
#include <string_view>

#include "sys/fd.hpp"

namespace ucrun::sys {

class Kernel;

std::string read_file(const std::string& path);                  // throws SysError("open <path>", ...)
std::string read_file_at(int dirfd, const std::string& path);     // relative to dirfd
// A file given by someone else (config.json): opened without blocking and
// without becoming a controlling tty, and refused unless it is a regular
// file, so that a FIFO or a device in its place cannot hang or feed us
// forever. Throws SysError("open <path>") or Error("<path> is not a
// regular file").
std::string read_regular_file(const std::string& path);
void write_file(const std::string& path, std::string_view data);  // O_WRONLY|O_TRUNC? no: plain O_WRONLY (proc/cgroup files)
void write_file_at(int dirfd, const std::string& path, std::string_view data);
// Atomically replaces `path` with `data` (write to a temp file in the same
// directory, then rename).
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);
// The same for `name` relative to `dirfd` (the temp file, `name`.tmp.<pid>,
// is made new there: O_EXCL).
void write_file_atomic_at(int dirfd, const std::string& name, std::string_view data, unsigned mode = 0644);
bool write_all(int fd, std::string_view data);  // false with errno on failure
// The same through a sys::Kernel (sys/kernel.hpp), for the code behind the
// seam: its writes are seen, and can fail, in the unit tests' fake.
bool write_all(const Kernel& k, int fd, std::string_view data);
void write_file_at(const Kernel& k, int dirfd, const std::string& path, std::string_view data);

// The working directory is `path` for the object's lifetime, then the old
// one again (held by fd: it need not have a name any more).
class WorkingDir {
public:
    explicit WorkingDir(const std::string& path);
    ~WorkingDir();
    WorkingDir(const WorkingDir&) = delete;
    WorkingDir& operator=(const WorkingDir&) = delete;

private:
    Fd old_;
};
std::string read_all(int fd);                   // until EOF; throws on error

}  // namespace ucrun::sys
