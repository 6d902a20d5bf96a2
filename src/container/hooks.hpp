// config.md "POSIX-platform Hooks": each hook runs with the container's
// state on its stdin, with its path, args, env and timeout.
#pragma once

#include <nlohmann/json.hpp>

#include "container/context.hpp"
#include "oci/config.hpp"
#include "state/store.hpp"

namespace ucrun::container {

enum class HookKind { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop };

const char* hook_name(HookKind k);

// Runs the hooks of `kind` in order; throws ucrun::Error naming the hook on
// the first failure (exit status, signal or timeout).
void run_hook_list(const std::vector<oci::Hook>& hooks, HookKind kind, const nlohmann::json& state);

// From a saved record: poststart and poststop failures are warnings
// (config.md "Poststart", "Poststop").
void run_hooks(Context& ctx, const state::Record& r, HookKind kind);

}  // namespace ucrun::container
