#include <doctest/doctest.h>

#include "cli/args.hpp"

using namespace ucrun::cli;

namespace {
const std::vector<FlagSpec> kSpecs = {
    {"bundle", "b", true, ""}, {"detach", "d", false, ""}, {"env", "e", true, "", true}};
}

TEST_CASE("long, short and = forms; flags stop at the first positional") {
    auto p = parse(kSpecs, {"x", "--bundle", "/b", "-d", "--env=A=1", "-e", "B=2", "id", "-d", "sh"}, 1);
    CHECK(p.get("bundle") == "/b");
    CHECK(p.has("detach"));
    CHECK(p.all("env") == std::vector<std::string>{"A=1", "B=2"});
    CHECK(p.args == std::vector<std::string>{"id", "-d", "sh"});
}

TEST_CASE("-- ends the flags; unknown flags and missing values are errors") {
    auto p = parse(kSpecs, {"x", "--", "-d"}, 1);
    CHECK(p.args == std::vector<std::string>{"-d"});
    CHECK_THROWS_AS(parse(kSpecs, {"x", "--nope"}, 1), UsageError);
    CHECK_THROWS_AS(parse(kSpecs, {"x", "--bundle"}, 1), UsageError);
}

TEST_CASE("a boolean flag given =false is off") {
    auto p = parse(kSpecs, {"x", "--detach=false", "id"}, 1);
    CHECK_FALSE(p.has("detach"));
}
