// A temporary directory for one test, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

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
    std::string read(const std::string& rel) const {
        std::ifstream f(path + "/" + rel);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
};
