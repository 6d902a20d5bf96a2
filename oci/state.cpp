// runtime.md "State": the state document, plus runc's rootfs, created and
// owner fields (schema/state-schema.json allows additional properties).
#include "oci/state.hpp"

#include <stdexcept>

#include "oci/error.hpp"
#include "oci/json_read.hpp"

namespace oci {

const char* to_string(Status s) {
    switch (s) {
        case Status::Creating: return "creating";
        case Status::Created: return "created";
        case Status::Running: return "running";
        case Status::Stopped: return "stopped";
        case Status::Paused: return "paused";
    }
    return "unknown";
}

Status status_from_string(const std::string& s) {
    for (Status st : {Status::Creating, Status::Created, Status::Running, Status::Stopped, Status::Paused})
        if (s == to_string(st)) return st;
    throw std::invalid_argument("unknown container status \"" + s + "\"");
}

nlohmann::json to_json(const State& s) {
    nlohmann::json j = {
        {"ociVersion", s.ociVersion},
        {"id", s.id},
        {"status", to_string(s.status)},
    };
    if (s.pid != 0) j["pid"] = s.pid;
    j["bundle"] = s.bundle;
    j["rootfs"] = s.rootfs;
    j["created"] = s.created;
    j["owner"] = s.owner;
    if (!s.annotations.empty()) j["annotations"] = s.annotations;
    return j;
}

namespace {

// Either DOM (json_read.hpp): the state store reads its records into
// oci/dom.hpp's; tests and older callers hold nlohmann's.
template <class J>
State read_state(const J& j, const std::string& document, const std::string& p) {
    detail::Reader r(document);
    r.object(j, p, "must be a JSON object");
    State s;
    std::string status;
    r.req(j, p, "ociVersion", s.ociVersion);
    r.req(j, p, "id", s.id);
    r.req(j, p, "status", status);
    try {
        s.status = status_from_string(status);
    } catch (const std::invalid_argument&) {
        r.fail(detail::Path(detail::Path(p), "status"), "unknown status \"" + status + "\"");
    }
    int32_t pid = 0;
    r.opt(j, p, "pid", pid);
    if (pid < 0) r.fail(detail::Path(detail::Path(p), "pid"), "must not be negative");
    s.pid = pid;
    r.req(j, p, "bundle", s.bundle);
    r.opt(j, p, "annotations", s.annotations);
    r.opt(j, p, "rootfs", s.rootfs);
    r.opt(j, p, "created", s.created);
    r.opt(j, p, "owner", s.owner);
    return s;
}

}  // namespace

State state_from_json(const nlohmann::json& j, const std::string& document, const std::string& p) {
    return read_state(j, document, p);
}

State state_from_json(const dom::Value& j, const std::string& document, const std::string& p) {
    return read_state(j, document, p);
}

}  // namespace oci
