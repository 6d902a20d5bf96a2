#include "proc/exec_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

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

bool is_executable_file(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}
}  // namespace

std::string resolve_executable(const std::string& arg0, const std::vector<std::string>& env) {
    if (arg0.find('/') != std::string::npos) {
        struct stat st;
        if (::stat(arg0.c_str(), &st) < 0)
            throw Error("exec: \"" + arg0 + "\": stat " + arg0 + ": " + go_strerror(errno));
        if (S_ISDIR(st.st_mode)) throw Error("exec: \"" + arg0 + "\": is a directory");
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
        if (is_executable_file(cand)) return cand;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    throw Error("exec: \"" + arg0 + "\": executable file not found in $PATH");
}

}  // namespace ucrun::proc
