// System errors that say what and where:
//   mount /proc on /tmp/b/rootfs/proc: Operation not permitted
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ucrun {

class SysError : public std::runtime_error {
public:
    SysError(const std::string& what, int err)
        : std::runtime_error(what + ": " + std::strerror(err)), errno_(err) {}
    int code() const noexcept { return errno_; }

private:
    int errno_;
};

// Plain runtime failure with a message (no errno).
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throw_errno(const std::string& what) { throw SysError(what, errno); }
[[noreturn]] inline void throw_errno(const std::string& what, int err) { throw SysError(what, err); }

// check(rc, "what"): throws SysError with errno when rc < 0, returns rc.
template <typename T>
inline T check(T rc, const std::string& what) {
    if (rc < 0) throw_errno(what);
    return rc;
}

}  // namespace ucrun
