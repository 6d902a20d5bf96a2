#include "sys/tool.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::sys {

namespace {

// The last non-empty line of a tool's complaint, which says why.
std::string last_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    const size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

void run_tool(const std::vector<std::string>& argv, const std::string& package, const std::string& why) {
    std::string cmdline;
    for (const auto& a : argv) cmdline += (cmdline.empty() ? "" : " ") + a;
    if (::access(argv[0].c_str(), X_OK) < 0) throw SysError(argv[0] + " (" + package + ") is needed " + why, errno);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    char lc[] = "LC_ALL=C";
    char* env[] = {path, lc, nullptr};
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe for " + cmdline);
    Fd rd(p[0]), wr(p[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork for " + cmdline);
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(wr.get(), 2) < 0) ::_exit(126);
        ::execve(args[0], args.data(), env);
        ::_exit(127);
    }
    wr.reset();
    std::string err;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        err.append(buf, static_cast<size_t>(n));
        if (err.size() > 4096) err.erase(0, err.size() - 4096);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw_errno("waitpid " + cmdline);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    std::string why_failed = last_line(err);
    if (why_failed.empty())
        why_failed = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                       : "killed by signal " + std::to_string(WTERMSIG(status));
    throw Error(cmdline + ": " + why_failed);
}

}  // namespace ucrun::sys
