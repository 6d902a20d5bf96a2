// The YAML file: every key, wrong types, unknown keys at every level,
// malformed YAML, and the line each error names.
#include <doctest/doctest.h>

#include <string>

#include "config/runtime_config.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using namespace ucrun::config;

namespace {

const std::string kPath = "/etc/ucrun/ucrun.yaml";

RuntimeConfig parse(const std::string& text) { return parse_runtime_config(text, kPath); }

// The error a text gives ("" when it parses).
std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every key of the userns section") {
    auto c = parse(
        "# the policy\n"
        "userns:\n"
        "  remap: default\n"
        "  allocation: shared\n"
        "  size: 131072\n"
        "  allow-host: true\n");
    CHECK(c.path == kPath);
    CHECK(c.userns.remap == Remap::Default);
    CHECK(c.userns.allocation == Allocation::Shared);
    CHECK(c.userns.size == 131072);
    CHECK(c.userns.allow_host);

    c = parse("userns: {remap: \"ucrun:ucrun\", allocation: per-container, size: 1, allow-host: false}\n");
    CHECK(c.userns.remap == Remap::User);
    CHECK(c.userns.user == "ucrun");
    CHECK(c.userns.group == "ucrun");
    CHECK(c.userns.size == 1);
    CHECK_FALSE(c.userns.allow_host);

    // YAML 1.1 reads a plain off as a boolean; here it is the word.
    CHECK(parse("userns:\n  remap: off\n").userns.remap == Remap::Off);
    CHECK(parse("userns:\n  remap: 100000\n").userns.user == "100000");
}

TEST_CASE("absent keys, an empty section and an empty file keep the defaults") {
    UsernsConfig defaults;
    CHECK(defaults.remap == Remap::Off);
    CHECK(defaults.allocation == Allocation::PerContainer);
    CHECK(defaults.size == 65536);
    CHECK_FALSE(defaults.allow_host);
    CHECK(parse("").userns == defaults);
    CHECK(parse("# nothing\n").userns == defaults);
    CHECK(parse("userns:\n").userns == defaults);
    CHECK(parse("userns: {}\n").userns == defaults);
    CHECK(parse("userns:\n  size: 4096\n").userns.remap == Remap::Off);
}

TEST_CASE("unknown keys, at the top level and in the section, name file, line and key") {
    CHECK(error_of("userns:\n  remap: default\n\n\n  remapp: x\n") == kPath + ":5: userns.remapp: unknown key");
    CHECK(error_of("# c\nuser-ns:\n  remap: default\n") == kPath + ":2: user-ns: unknown key");
    CHECK(error_of("userns:\n  size: 5\nlogging: {}\n") == kPath + ":3: logging: unknown key");
    // A key nested one level too deep is an unknown key's value: refused
    // with the key it hangs from.
    CHECK(error_of("userns:\n  remap:\n    user: x\n") == kPath + ":3: userns.remap: must be off, default or USER[:GROUP]");
}

TEST_CASE("wrong types name file, line and key") {
    CHECK(error_of("userns:\n  remap: default\n  size: big\n") ==
          kPath + ":3: userns.size: must be a positive integer of at most 1073741824");
    CHECK(error_of("userns:\n  size: \"65536\"\n") ==  // a string, not a number
          kPath + ":2: userns.size: must be a positive integer of at most 1073741824");
    CHECK(error_of("userns:\n  size: 0\n") == kPath + ":2: userns.size: must be a positive integer of at most 1073741824");
    CHECK(error_of("userns:\n  size: -5\n").starts_with(kPath + ":2: userns.size: "));
    CHECK(error_of("userns:\n  size: 65536.0\n").starts_with(kPath + ":2: userns.size: "));
    CHECK(error_of("userns:\n  size: 2147483648\n").starts_with(kPath + ":2: userns.size: "));
    CHECK(error_of("userns:\n  size:\n") == kPath + ":2: userns.size: must be a positive integer of at most 1073741824");
    CHECK(error_of("userns:\n  size: [1]\n").starts_with(kPath + ":2: userns.size: "));
    CHECK(error_of("userns:\n  allow-host: yes\n") == kPath + ":2: userns.allow-host: must be true or false");
    CHECK(error_of("userns:\n  allow-host: \"true\"\n") == kPath + ":2: userns.allow-host: must be true or false");
    CHECK(error_of("userns:\n  allow-host: 1\n") == kPath + ":2: userns.allow-host: must be true or false");
    CHECK(error_of("userns:\n  allocation: [shared]\n") == kPath + ":2: userns.allocation: must be per-container or shared");
    CHECK(error_of("userns:\n  allocation: private\n") ==
          kPath + ":2: userns.allocation: must be per-container or shared, not \"private\"");
    CHECK(error_of("userns:\n  remap: {a: b}\n") == kPath + ":2: userns.remap: must be off, default or USER[:GROUP]");
    CHECK(error_of("userns:\n  remap:\n") == kPath + ":2: userns.remap: must be off, default or USER[:GROUP]");
    CHECK(error_of("userns:\n  remap: \"a:b:c\"\n").starts_with(kPath + ":2: userns.remap: must be off, default or USER"));
    CHECK(error_of("userns: default\n") == kPath + ":1: userns: must be a mapping");
    CHECK(error_of("userns: [remap]\n") == kPath + ":1: userns: must be a mapping");
    CHECK(error_of("- userns\n") == kPath + ":1: must be a mapping of sections (userns)");
    CHECK(error_of("just words\n") == kPath + ":1: must be a mapping of sections (userns)");
}

TEST_CASE("a key given twice or a key that is not a string is refused") {
    CHECK(error_of("userns:\n  size: 1\n  size: 2\n") == kPath + ":3: userns.size: key given twice");
    CHECK(error_of("userns: {}\nuserns: {}\n") == kPath + ":2: userns: key given twice");
    CHECK(error_of("userns:\n  ? [a]\n  : b\n") == kPath + ":2: userns: a key must be a string");
}

TEST_CASE("malformed YAML names the file and the line") {
    std::string e = error_of("userns:\n  remap: default\n  size: [1, 2\n");
    CHECK(e.starts_with(kPath + ":"));
    CHECK(e.find("malformed YAML") != std::string::npos);
    e = error_of("userns:\n  remap: default\n\t size: 5\n");  // a tab in the indentation
    CHECK(e.starts_with(kPath + ":3: malformed YAML"));
    // yaml-cpp reads an unclosed quote up to the end of the file: the value
    // is then refused, still naming the line.
    CHECK(error_of("userns:\n  remap: \"default\n").starts_with(kPath + ":2: userns.remap: must be off"));
    e = error_of("userns: {remap: default\n\n");
    CHECK(e.starts_with(kPath + ":"));
    CHECK(e.find("malformed YAML") != std::string::npos);
    e = error_of("userns:\n    remap: default\n  size: 5\n");  // indentation that ends the map mid-way
    CHECK(e.starts_with(kPath + ":3: malformed YAML"));
    e = error_of("userns:\n  remap: *nowhere\n");  // an alias to no anchor
    CHECK(e.starts_with(kPath + ":2: malformed YAML"));
    // yaml-cpp's depth guard, not a stack overflow
    CHECK(error_of("userns: " + std::string(5000, '[')) == kPath + ":1: malformed YAML: nested too deeply");
}

TEST_CASE("a second YAML document is refused, not ignored") {
    CHECK(error_of("userns:\n  size: 5\n---\nuserns:\n  size: 7\n") == kPath + ":4: more than one YAML document");
    CHECK(parse("---\nuserns:\n  size: 5\n...\n").userns.size == 5);  // one document, with its markers
}
