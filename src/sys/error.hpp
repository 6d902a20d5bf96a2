// System errors that say what and where:
//   mount /proc on /tmp/b/rootfs/proc: Operation not permitted
// and, while applying one element of config.json, which element:
//   config.json: mounts[3].source: bind /x on /b/rootfs/y: No such file or directory
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ucrun {

class SysError : public std::runtime_error {
public:
    SysError(const std::string& what, int err) : SysError(what + ": " + std::strerror(err), what, err) {}
    int code() const noexcept { return errno_; }
    // what() without the ": <strerror>" tail: what crosses the init's
    // socket beside the errno (proc/error_msg.hpp).
    const std::string& message() const noexcept { return message_; }

protected:
    SysError(const std::string& text, std::string message, int err)
        : std::runtime_error(text), message_(std::move(message)), errno_(err) {}

private:
    std::string message_;
    int errno_;
};

// A failure while applying one element of config.json: names its JSON path
// (oci::SpecError's form; src/sys knows no oci types). code() is 0 when no
// system call failed; then no strerror is appended. A SysError, so that
// code looking at the errno (fallbacks) sees through it.
class ConfigError : public SysError {
public:
    ConfigError(std::string path, std::string message, int err = 0)
        : SysError(format(path, message, err), message, err), path_(std::move(path)) {}
    const std::string& path() const noexcept { return path_; }

private:
    static std::string format(const std::string& path, const std::string& message, int err) {
        std::string s = "config.json: " + path + ": " + message;
        if (err) s += std::string(": ") + std::strerror(err);
        return s;
    }
    std::string path_;
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

// Runs f() while applying the config element at `path` ("mounts[3]"): an
// Error or SysError it throws becomes a ConfigError naming `path`. One that
// already names a path keeps it: the innermost path is the most precise
// ("mounts[3].source" inside "mounts[3]").
template <typename F>
decltype(auto) with_config_path(const std::string& path, F&& f) {
    try {
        return f();
    } catch (const ConfigError&) {
        throw;
    } catch (const SysError& e) {
        throw ConfigError(path, e.message(), e.code());
    } catch (const Error& e) {
        throw ConfigError(path, e.what());
    }
}

}  // namespace ucrun
