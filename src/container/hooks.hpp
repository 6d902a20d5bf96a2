// config.md "POSIX-platform Hooks": each hook runs with the container's
// state (runtime.md "State") on its stdin, with its path, args, env and
// timeout.
//
// Where each kind runs (config.md "Summary", runtime.md "Lifecycle"):
//   prestart, createRuntime  the runtime (ucrun create), runtime namespace,
//                            when the init has made its namespaces and mounts
//                            and waits before pivot_root (the Hooks message);
//                            state: status "creating", pid = host pid.
//   createContainer          the init, container namespaces, right after the
//                            above, before pivot_root (the host filesystem is
//                            still visible); pid as seen in the container.
//   startContainer           the init, after `start` released it, before
//                            execve; path resolved in the container.
//   poststart                the runtime, after the init has exec'ed, before
//                            `start`/`run` return.
//   poststop                 the runtime, after the container is deleted
//                            (also when create fails, as runc does).
// Failures: all but poststop are errors that stop the container; poststop
// failures are warnings.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/context.hpp"
#include "oci/config.hpp"
#include "state/store.hpp"

namespace ucrun::container {

enum class HookKind { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop };

const char* hook_name(HookKind k);
const std::vector<oci::Hook>& hook_list(const oci::Hooks& hooks, HookKind k);

// Runs the hooks in order, each with `state` on stdin, its stdout and stderr
// captured (they go into the error message, as runc does), in `cwd` when not
// empty, in a process group of its own (killed whole on timeout). Throws
// ucrun::Error naming the hook ("createRuntime hook #0 /x/hook.sh: exit
// status 1") on the first failure (exec error, exit status, signal, timeout).
// `trampoline` (createContainer, startContainer: run by the init, in the
// container): the sealed memfd to execute through (proc/trampoline.hpp),
// -1 when ucrun's exe is read-only or the hook is the host's.
void run_hook_list(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state,
                   const std::string& cwd = {}, int trampoline = -1);
void run_hook_list(const std::vector<oci::Hook>& hooks, HookKind kind, const nlohmann::json& state,
                   const std::string& cwd = {});

// From a saved record: poststart failures throw (runtime.md "Lifecycle" step
// 9: the caller stops the container), poststop failures are warnings (step
// 13). Parses the saved config only when it has hooks.
void run_hooks(Context& ctx, const state::Record& r, HookKind kind);

// runtime.md "Lifecycle" step 13: a failed poststop hook is a warning and the
// remaining hooks run as if it had succeeded.
void run_poststop(Context& ctx, const std::vector<oci::Hook>& hooks, const nlohmann::json& state,
                  const std::string& cwd);

}  // namespace ucrun::container
