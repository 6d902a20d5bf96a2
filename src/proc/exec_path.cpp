#include "proc/exec_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/error.hpp"

namespace ucrun::proc {

namespace {
// Go's error strings (runc's wording) are lower case: "no such file or directory".
std::string go_strerror(int err) {
    std::string s = std::strerror(err);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

// Go's findExecutable: 0, or why `p` cannot be executed by this process
// (effective ids and capabilities, noexec mounts: faccessat2 AT_EACCESS).
// Through `k` (sys/kernel.hpp). Where faccessat2 is missing or refused (a seccomp profile: ENOSYS,
// EPERM), the mode bits decide, as in Go.
int not_executable(const sys::Kernel& k, const std::string& p) {
    struct stat st;
    if (k.fstatat(AT_FDCWD, p.c_str(), &st, 0) < 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (k.faccessat2(AT_FDCWD, p.c_str(), X_OK, AT_EACCESS) == 0) return 0;
    if (errno != ENOSYS && errno != EPERM) return errno;
    return (st.st_mode & 0111) ? 0 : EACCES;
}
}  // namespace

std::string resolve_executable(const sys::Kernel& k, const std::string& arg0, const std::vector<std::string>& env) {
    if (arg0.find('/') != std::string::npos) {
        struct stat st;
        if (k.fstatat(AT_FDCWD, arg0.c_str(), &st, 0) < 0)
            throw Error("exec: \"" + arg0 + "\": stat " + arg0 + ": " + go_strerror(errno));
        if (int err = not_executable(k, arg0)) throw Error("exec: \"" + arg0 + "\": " + go_strerror(err));
        return arg0;
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    size_t start = 0;
    for (;;) {
        size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (dir.empty()) dir = ".";
        std::string cand = dir + "/" + arg0;
        if (not_executable(k, cand) == 0) return cand;  // Go skips what it cannot run
        if (end == std::string::npos) break;
        start = end + 1;
    }
    throw Error("exec: \"" + arg0 + "\": executable file not found in $PATH");
}

}  // namespace ucrun::proc
