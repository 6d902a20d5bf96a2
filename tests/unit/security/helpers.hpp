// Small helpers shared by the security unit tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace test {

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline nlohmann::json fixture(const std::string& name) {
    return nlohmann::json::parse(slurp(std::string(SECURITY_FIXTURES) + "/" + name));
}

// Runs fn() in a forked child and returns its exit status (or 128+signal).
// No doctest assertions in fn: it returns the exit code.
template <typename F>
int in_child(F&& fn) {
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int rc = 100;
        try {
            rc = fn();
        } catch (...) {
            rc = 101;
        }
        ::_exit(rc);
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0) {
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

}  // namespace test
