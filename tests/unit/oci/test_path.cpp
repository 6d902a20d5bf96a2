#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "oci/audit.hpp"
#include "oci/path.hpp"

using oci::lexical_clean;

TEST_CASE("lexical_clean as Go's filepath.Clean (the one lexical clean of audit, cgroup, mount and state)") {
    for (const auto& io : std::vector<std::pair<std::string, std::string>>{
             {"", "."}, {"/", "/"}, {"//", "/"}, {"/.", "/"}, {"/..", "/"}, {"/a/", "/a"}, {"/a//b/./c/", "/a/b/c"},
             {"/a/../../b", "/b"}, {"a/..", "."}, {"../a", "../a"}, {"a/../../b", "../b"}, {"./a/.", "a"}}) {
        const std::string& in = io.first;  // not a structured binding: CAPTURE's lambda (clang-14)
        CAPTURE(in);
        CHECK(lexical_clean(in) == io.second);
    }
}

TEST_CASE("audit's fold_path is the absolute lexical clean") {
    for (const char* in : {"", "/", "//", "rel/x/..", "/../../etc", "/a/./b/../c", "a/../../b", "./"}) {
        CAPTURE(in);
        CHECK(oci::audit::fold_path(in) == lexical_clean(std::string("/") + in));
        CHECK(oci::audit::fold_path(in).front() == '/');
    }
}
