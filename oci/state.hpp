// runtime.md "State": the document printed by `state` and handed to hooks.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "oci/dom.hpp"

#include "oci/error.hpp"

namespace oci {

// runtime.md: creating, created, running, stopped; runc adds "paused".
enum class Status { Creating, Created, Running, Stopped, Paused };

const char* to_string(Status s);
Status status_from_string(const std::string& s);  // throws std::invalid_argument

struct State {
    std::string ociVersion;
    std::string id;
    Status status = Status::Creating;
    int pid = 0;  // 0 when stopped
    std::string bundle;
    std::map<std::string, std::string> annotations;
    // runc's additions, which engines read (containerd's shim: created, rootfs)
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds
    std::string owner;
};

// Exactly runtime.md's fields plus runc's rootfs/created/owner; pid omitted
// when 0 (runtime.md: REQUIRED when status is created or running).
nlohmann::json to_json(const State& s);
// Throws SpecError(document, "<path>.<member>", ...); `path` is where the
// state sits inside `document` ("" for a state document of its own).
State state_from_json(const nlohmann::json& j, const std::string& document = "state.json",
                      const std::string& path = "");
State state_from_json(const dom::Value& j, const std::string& document = "state.json",
                      const std::string& path = "");

}  // namespace oci
