// Test helpers: a temporary directory, processes run side by side.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

struct TmpDir {
    std::string path;
    TmpDir() {
        char tmpl[] = "/tmp/ucrun-userns-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
        path = tmpl;
    }
    ~TmpDir() { std::filesystem::remove_all(path); }
    TmpDir(const TmpDir&) = delete;
    TmpDir& operator=(const TmpDir&) = delete;
    void write(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories(std::filesystem::path(path + "/" + rel).parent_path());
        std::ofstream(path + "/" + rel) << text;
    }
    std::string read(const std::string& rel) const { return slurp(path + "/" + rel); }
};

// Runs f(i) for i in [0, n) in n child processes at once, as n concurrent
// ucrun commands; true when every child returned without an exception.
template <typename F>
bool in_children(int n, F&& f) {
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        pid_t p = ::fork();
        if (p == 0) {
            try {
                f(i);
                ::_exit(0);
            } catch (...) {
                ::_exit(1);
            }
        }
        if (p > 0) kids.push_back(p);
    }
    bool ok = int(kids.size()) == n;
    for (pid_t p : kids) {
        int st = 0;
        ::waitpid(p, &st, 0);
        ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    return ok;
}
