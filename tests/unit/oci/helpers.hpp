// Shared helpers of the oci unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "oci/parse.hpp"
#include "oci/validate.hpp"

namespace test {

using json = nlohmann::json;

inline std::string fixture_path(const std::string& rel) { return std::string(OCI_FIXTURES) + "/" + rel; }

inline std::string read_fixture(const std::string& rel) {
    std::ifstream in(fixture_path(rel));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A small valid config the tests modify one field at a time.
inline json base() {
    return json::parse(R"({
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}},
        "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}
    })");
}

// The message of the SpecError thrown by parse_config(j), or "" if none.
inline std::string parse_error(const json& j) {
    try {
        oci::parse_config(j);
    } catch (const oci::SpecError& e) {
        return e.what();
    }
    return "";
}

// The message of the SpecError thrown by parse_config + validate, or "".
inline std::string error_of(const json& j) {
    try {
        oci::validate(oci::parse_config(j));
    } catch (const oci::SpecError& e) {
        return e.what();
    }
    return "";
}

}  // namespace test
