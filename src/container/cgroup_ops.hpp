// Operations on a container's cgroup (runc's pause, resume, update,
// events). config-linux.md "Control groups"; runtime.md has no such
// operations: they follow runc 1.1.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "container/context.hpp"

namespace ucrun::container {

// Freezes every process (runc: a running or created container, else
// "container not running"); `state` then says "paused".
void pause(Context& ctx, const std::string& id);
// Thaws a paused container (else "container not paused").
void resume(Context& ctx, const std::string& id);

// Merges `patch` (a linux.resources object, as given to `update -r` or
// built from the flags; `document` names it in messages) into the
// container's resources as recorded, applies the result to the live cgroup
// (devices excepted, like runc), and records it so that later updates build
// on it. On failure the previous values are put back and nothing is
// recorded; the error names the cgroup file and the value.
void update(Context& ctx, const std::string& id, const nlohmann::json& patch, const std::string& document);

// runc `events`: with `once` (--stats), one {"type":"stats","id":..,"data":..}
// line; else a stats line every `interval` and an {"type":"oom","id":..}
// line for each OOM kill in the cgroup, until the container stops.
void events(Context& ctx, const std::string& id, bool once, std::chrono::milliseconds interval);

}  // namespace ucrun::container
