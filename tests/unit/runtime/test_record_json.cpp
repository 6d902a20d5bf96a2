#include <doctest/doctest.h>

#include <string>

#include "state/record_json.hpp"

using namespace ucrun;

namespace {
std::string error_of(const std::string& text) {
    try {
        state::record_from_text(text, "/r/c1/state.json");
    } catch (const state::Corrupt& e) {
        return e.what();
    }
    return "no error";
}
const std::string kState = R"({"ociVersion":"1.3.0","id":"c1","status":"created","pid":7,"bundle":"/b"})";
}  // namespace

TEST_CASE("state record: a good record reads back") {
    auto r = state::record_from_text(R"({"state":)" + kState + R"(,"init_pid":7,"init_start_time":99,"cgroup":{"a":1}})",
                                     "/r/c1/state.json");
    CHECK(r.state.id == "c1");
    CHECK(r.pid == 7);
    CHECK(r.pid_start_time == 99);
    CHECK(r.cgroup.is_object());
    CHECK(r.hooks.is_null());
}

TEST_CASE("state record: corrupt files name the file and what is wrong") {
    const std::string pre = "/r/c1/state.json: corrupt state file: ";
    CHECK(error_of("") == pre + "empty file");
    CHECK(error_of(R"({"state": {"ociVersion": "1.)") == pre + "truncated: the JSON text ends at byte 28");
    CHECK(error_of(R"({"state": x})") == pre + "not valid JSON at byte 11");
    // Cut inside an escape or a UTF-8 sequence is cut short too; a bad
    // byte there is not.
    CHECK(error_of(R"({"state": "\u00)") == pre + "truncated: the JSON text ends at byte 15");
    CHECK(error_of(R"({"state": "\ud83d)") == pre + "truncated: the JSON text ends at byte 17");
    CHECK(error_of(R"({"state": "\ud83d\)") == pre + "truncated: the JSON text ends at byte 18");
    CHECK(error_of("{\"state\": \"\xf0\x9f\x98") == pre + "truncated: the JSON text ends at byte 14");
    CHECK(error_of(R"({"state": "\u00x0"})") == pre + "not valid JSON at byte 16");
    CHECK(error_of("{\"state\": \"\xf0\x9fx\"}") == pre + "not valid JSON at byte 12");
    CHECK(error_of("[]") == pre + "not a JSON object");
    CHECK(error_of(R"({"init_pid": 7})") == pre + "missing \"state\"");
    CHECK(error_of(R"({"state": 3})") == pre + "state: must be a JSON object");
    CHECK(error_of(R"({"state": {"id": "c1", "status": "created", "bundle": "/b"}})") ==
          pre + "state.ociVersion: is required");
    CHECK(error_of(R"({"state":)" + kState.substr(0, kState.size() - 1) + R"(,"status":"bogus"}})") ==
          pre + "state.status: unknown status \"bogus\"");
    CHECK(error_of(R"({"state":)" + kState + R"(,"init_pid":"7"})") ==
          pre + "init_pid: must be an integer from 0 to 2147483647");
    CHECK(error_of(R"({"state":)" + kState + R"(,"init_pid":-1})") ==
          pre + "init_pid: must be an integer from 0 to 2147483647");
    CHECK(error_of(R"({"state":)" + kState + R"(,"init_start_time":1.5})") ==
          pre + "init_start_time: must be an integer from 0 to 18446744073709551615");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":"x"})") == pre + "cgroup: must be an object");
    CHECK(error_of(R"({"state":)" + kState + R"(,"hooks":[]})") == pre + "hooks: must be an object");
}
