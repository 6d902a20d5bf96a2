// runtime.md "State" document.
#include <doctest/doctest.h>

#include <stdexcept>

#include "oci/state.hpp"

using nlohmann::json;

namespace {

oci::State sample() {
    oci::State s;
    s.ociVersion = "1.3.0";
    s.id = "c1";
    s.status = oci::Status::Running;
    s.pid = 4422;
    s.bundle = "/containers/redis";
    s.annotations = {{"myKey", "myValue"}};
    s.rootfs = "/containers/redis/rootfs";
    s.created = "2024-01-02T03:04:05.123456789Z";
    s.owner = "";
    return s;
}

}  // namespace

TEST_CASE("state: status strings") {
    CHECK(std::string(oci::to_string(oci::Status::Creating)) == "creating");
    CHECK(std::string(oci::to_string(oci::Status::Created)) == "created");
    CHECK(std::string(oci::to_string(oci::Status::Running)) == "running");
    CHECK(std::string(oci::to_string(oci::Status::Stopped)) == "stopped");
    CHECK(std::string(oci::to_string(oci::Status::Paused)) == "paused");
    for (auto s : {oci::Status::Creating, oci::Status::Created, oci::Status::Running, oci::Status::Stopped,
                   oci::Status::Paused})
        CHECK(oci::status_from_string(oci::to_string(s)) == s);
    CHECK_THROWS_AS(oci::status_from_string("Running"), std::invalid_argument);
    CHECK_THROWS_AS(oci::status_from_string(""), std::invalid_argument);
}

TEST_CASE("state: to_json fields") {
    json j = oci::to_json(sample());
    CHECK(j["ociVersion"] == "1.3.0");
    CHECK(j["id"] == "c1");
    CHECK(j["status"] == "running");
    CHECK(j["pid"] == 4422);
    CHECK(j["bundle"] == "/containers/redis");
    CHECK(j["annotations"]["myKey"] == "myValue");
    CHECK(j["rootfs"] == "/containers/redis/rootfs");
    CHECK(j["created"] == "2024-01-02T03:04:05.123456789Z");
    CHECK(j["owner"] == "");
}

TEST_CASE("state: pid omitted when 0, annotations omitted when empty") {
    oci::State s = sample();
    s.status = oci::Status::Stopped;
    s.pid = 0;
    s.annotations.clear();
    json j = oci::to_json(s);
    CHECK_FALSE(j.contains("pid"));
    CHECK_FALSE(j.contains("annotations"));
    CHECK(j["status"] == "stopped");
}

TEST_CASE("state: round trip") {
    oci::State s = sample();
    oci::State t = oci::state_from_json(json::parse(oci::to_json(s).dump()));
    CHECK(t.ociVersion == s.ociVersion);
    CHECK(t.id == s.id);
    CHECK(t.status == s.status);
    CHECK(t.pid == s.pid);
    CHECK(t.bundle == s.bundle);
    CHECK(t.annotations == s.annotations);
    CHECK(t.rootfs == s.rootfs);
    CHECK(t.created == s.created);
    CHECK(t.owner == s.owner);
}

TEST_CASE("state: the runtime.md example parses") {
    oci::State s = oci::state_from_json(json::parse(R"({"ociVersion": "0.2.0", "id": "oci-container1",
        "status": "running", "pid": 4422, "bundle": "/containers/redis", "annotations": {"myKey": "myValue"}})"));
    CHECK(s.id == "oci-container1");
    CHECK(s.pid == 4422);
    CHECK(s.rootfs == "");
}

TEST_CASE("state: errors") {
    CHECK_THROWS_WITH_AS(oci::state_from_json(json::parse(R"({"ociVersion": "1", "status": "running", "bundle": "/"})")),
                         "state.json: id: is required", oci::SpecError);
    CHECK_THROWS_WITH_AS(
        oci::state_from_json(json::parse(R"({"ociVersion": "1", "id": "x", "status": "zombie", "bundle": "/"})")),
        "state.json: status: unknown status \"zombie\"", oci::SpecError);
    CHECK_THROWS_WITH_AS(
        oci::state_from_json(json::parse(R"({"ociVersion": "1", "id": "x", "status": "created", "bundle": "/", "pid": -1})")),
        "state.json: pid: must not be negative", oci::SpecError);
    CHECK_THROWS_WITH_AS(
        oci::state_from_json(json::parse(R"({"ociVersion": "1", "id": "x", "status": "created", "bundle": 3})")),
        "state.json: bundle: must be a string", oci::SpecError);
    CHECK_THROWS_WITH_AS(oci::state_from_json(json::array()), "state.json: must be a JSON object", oci::SpecError);
    // state.json is ucrun's own document and never holds a null (to_json):
    // one is corruption, refused like any wrong type.
    CHECK_THROWS_WITH_AS(
        oci::state_from_json(json::parse(R"({"ociVersion": "1", "id": "x", "status": "created", "bundle": "/", "pid": null})")),
        "state.json: pid: must be a 32-bit integer, not null", oci::SpecError);
    CHECK_THROWS_WITH_AS(
        oci::state_from_json(json::parse(R"({"ociVersion": "1", "id": null, "status": "created", "bundle": "/"})")),
        "state.json: id: must be a string, not null", oci::SpecError);
}
