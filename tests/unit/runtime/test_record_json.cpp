#include <doctest/doctest.h>

#include <string>

#include "state/record_json.hpp"
#include "state/store.hpp"

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
    auto r = state::record_from_text(R"({"state":)" + kState + R"(,"init_pid":7,"init_start_time":99,)"
                                     R"("cgroup":{"layout":"v2","path":"/c1","mount":"/sys/fs/cgroup",)"
                                     R"("dir":"/sys/fs/cgroup/c1","created":["/sys/fs/cgroup/c1"]}})",
                                     "/r/c1/state.json");
    CHECK(r.state.id == "c1");
    CHECK(r.pid == 7);
    CHECK(r.pid_start_time == 99);
    REQUIRE(r.cgroup);
    CHECK(r.cgroup->layout == "v2");
    CHECK(r.cgroup->path == "/c1");
    CHECK(r.cgroup->mount == "/sys/fs/cgroup");
    CHECK(r.cgroup->dir == "/sys/fs/cgroup/c1");
    CHECK(r.cgroup->created == std::vector<std::string>{"/sys/fs/cgroup/c1"});
    CHECK(r.hooks.poststart.empty());
    CHECK(r.hooks.poststop.empty());
}

TEST_CASE("state record: a v1 or hybrid cgroup reads back as it was kept") {
    state::Record r = state::record_from_text(R"({"state":)" + kState + "}", "/r/c1/state.json");
    CHECK(!r.cgroup);
    cgroup::Saved s;
    s.layout = "hybrid";
    s.path = "/c1";
    s.hierarchies = {{{"cpu", "cpuacct"}, "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1"},
                     {{"name=systemd"}, "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/c1"}};
    s.unified_mount = "/sys/fs/cgroup/unified";
    s.unified = "/sys/fs/cgroup/unified/c1";
    s.created = {"/sys/fs/cgroup/cpu,cpuacct/c1", "/sys/fs/cgroup/unified/c1"};
    r.cgroup = s;
    const state::Record back = state::record_from_text(state::Store::encode(r), "/r/c1/state.json");
    REQUIRE(back.cgroup);
    CHECK(back.cgroup->layout == "hybrid");
    CHECK(back.cgroup->path == "/c1");
    REQUIRE(back.cgroup->hierarchies.size() == 2);
    CHECK(back.cgroup->hierarchies[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(back.cgroup->hierarchies[0].mount == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(back.cgroup->hierarchies[1].dir == "/sys/fs/cgroup/systemd/c1");
    CHECK(back.cgroup->unified_mount == "/sys/fs/cgroup/unified");
    CHECK(back.cgroup->unified == "/sys/fs/cgroup/unified/c1");
    CHECK(back.cgroup->created == s.created);
    // A v1 record of an earlier ucrun without the optional members.
    const state::Record old = state::record_from_text(
        R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c1","hierarchies":[]}})", "/r/c1/state.json");
    REQUIRE(old.cgroup);
    CHECK(old.cgroup->hierarchies.empty());
    CHECK(old.cgroup->unified.empty());
    CHECK(old.cgroup->created.empty());
}

TEST_CASE("state record: a damaged cgroup is reported and salvages nothing") {
    const std::string rec = R"({"state":)" + kState + R"(,"init_pid":7,"cgroup":{"layout":"v2","path":"/c1"}})";
    try {
        state::record_from_text(rec, "/r/c1/state.json");
        FAIL("no error");
    } catch (const state::Corrupt& e) {
        CHECK(std::string(e.what()) == "/r/c1/state.json: corrupt state file: cgroup.mount: is required");
        CHECK(e.salvaged().pid == 7);
        CHECK(!e.salvaged().cgroup);
        CHECK(e.lost() == "its cgroup is left as it is (cgroup.mount: is required)");
    }
    // A damaged record with a good cgroup salvages it, for delete --force.
    try {
        state::record_from_text(R"({"state":3,"cgroup":{"layout":"v2","path":"/c1","mount":"/m","dir":"/m/c1"}})",
                                "/r/c1/state.json");
        FAIL("no error");
    } catch (const state::Corrupt& e) {
        REQUIRE(e.salvaged().cgroup);
        CHECK(e.salvaged().cgroup->dir == "/m/c1");
        CHECK(e.lost().empty());
    }
}

TEST_CASE("state record: hooks are kept typed, in config.json's form") {
    state::Record r = state::record_from_text(R"({"state":)" + kState + "}", "/r/c1/state.json");
    r.hooks.poststart.push_back(oci::Hook{"/bin/a", {"a", "1"}, {"E=1"}, 5});
    r.hooks.poststop.push_back(oci::Hook{"/bin/b", {}, {}, std::nullopt});
    const std::string text = state::Store::encode(r);
    CHECK(text.find(R"("hooks":{"poststart":[{"args":["a","1"],"env":["E=1"],"path":"/bin/a","timeout":5}],)"
                    R"("poststop":[{"path":"/bin/b"}]})") != std::string::npos);
    const state::Record back = state::record_from_text(text, "/r/c1/state.json");
    REQUIRE(back.hooks.poststart.size() == 1);
    CHECK(back.hooks.poststart[0].path == "/bin/a");
    CHECK(back.hooks.poststart[0].args == std::vector<std::string>{"a", "1"});
    CHECK(back.hooks.poststart[0].env == std::vector<std::string>{"E=1"});
    CHECK(back.hooks.poststart[0].timeout == 5);
    REQUIRE(back.hooks.poststop.size() == 1);
    CHECK(!back.hooks.poststop[0].timeout);
    CHECK(back.hooks.prestart.empty());
    // None kept, none written.
    r.hooks = {};
    CHECK(state::Store::encode(r).find("hooks") == std::string::npos);
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
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"path":"/c"}})") == pre + "cgroup.layout: is required");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v3","path":"/c"}})") ==
          pre + "cgroup.layout: must be one of v1, hybrid, v2 (not \"v3\")");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v2","path":7}})") ==
          pre + "cgroup.path: must be a string");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c"}})") ==
          pre + "cgroup.hierarchies: is required");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c","hierarchies":[{"mount":"/m","dir":"/d"}]}})") ==
          pre + "cgroup.hierarchies[0].controllers: is required");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c","hierarchies":[],"created":[1]}})") ==
          pre + "cgroup.created[0]: must be a string");
    // Where kill and delete act: each path where the manager could have put it.
    const std::string h = R"("hierarchies":[{"controllers":["pids"],"mount":"/sys/fs/cgroup/pids","dir":"/sys/fs/cgroup/pids/c"}])";
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c",)" + h + R"(,"created":["/etc"]}})") ==
          pre + "cgroup.created[0]: \"/etc\" is below none of the cgroup's hierarchies");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c",)" + h +
                   R"(,"created":["/sys/fs/cgroup/pids/c/../../../etc"]}})") ==
          pre + "cgroup.created[0]: must be a clean absolute path (not \"/sys/fs/cgroup/pids/c/../../../etc\")");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v1","path":"/c","hierarchies":)"
                   R"([{"controllers":["pids"],"mount":"/sys/fs/cgroup/pids","dir":"/etc/c"}]}})") ==
          pre + "cgroup.hierarchies[0].dir: \"/etc/c\" is not in the hierarchy mounted at \"/sys/fs/cgroup/pids\"");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v2","path":"/c","mount":"/sys/fs/cgroup",)"
                   R"("dir":"/sys/fs/cgroup/c/"}})") ==
          pre + "cgroup.dir: must be a clean absolute path (not \"/sys/fs/cgroup/c/\")");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"v2","path":"c","mount":"/sys/fs/cgroup",)"
                   R"("dir":"/sys/fs/cgroup/c"}})") ==
          pre + "cgroup.path: must be a clean absolute path (not \"c\")");
    CHECK(error_of(R"({"state":)" + kState + R"(,"cgroup":{"layout":"hybrid","path":"/c",)" + h +
                   R"(,"unified_mount":"/sys/fs/cgroup/unified","unified":"/sys/fs/cgroup/c"}})") ==
          pre + "cgroup.unified: \"/sys/fs/cgroup/c\" is not in the hierarchy mounted at \"/sys/fs/cgroup/unified\"");
    CHECK(error_of(R"({"state":)" + kState + R"(,"hooks":[]})") == pre + "hooks: must be an object");
    // A hook is checked when the record is read, not when it is to run.
    CHECK(error_of(R"({"state":)" + kState + R"(,"hooks":{"poststop":[{"args":["x"]}]}})") ==
          pre + "hooks.poststop[0].path: is required");
    CHECK(error_of(R"({"state":)" + kState + R"(,"hooks":{"poststart":[{"path":"/x","timeout":"5"}]}})") ==
          pre + "hooks.poststart[0].timeout: must be a 32-bit integer");
}
