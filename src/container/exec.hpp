// `ucrun exec`: a new process in a running (or created) container, with
// runc's flags and behaviour (runc exec.go). The process is built from
// --process FILE, or from the container's config.json process with the
// command line's overrides; it joins the init's namespaces and cgroup and
// gets the container's seccomp filter (proc/exec.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "container/context.hpp"
#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::container {

struct ExecOptions {
    std::string id;
    std::vector<std::string> args;  // the command (without --process)
    std::string process_file;       // --process
    std::optional<bool> tty;        // --tty
    bool detach = false;
    std::string pid_file;
    std::string console_socket;
    std::string cwd;
    std::vector<std::string> env;   // appended to the config's (runc)
    std::string user;               // uid[:gid]
    std::vector<std::string> additional_gids;
    std::vector<std::string> caps;  // added to bounding/effective/permitted (and ambient with inheritable)
    std::optional<bool> no_new_privs;
    std::string apparmor;
    std::string process_label;
    int preserve_fds = 0;
    bool ignore_paused = false;
};

// The process to run: --process FILE, or config.json's process with the
// overrides (runc getProcess). Throws with runc's messages.
oci::Process exec_process(const oci::Config& cfg, const ExecOptions& o);

// Runs it. Detached: returns 0 once the process has been executed.
// Otherwise waits for it and returns its status (128+N for signal N).
// The parent's process calls (clone3, setns, the child's undo) through `k`
// (sys/kernel.hpp); the command chooses it.
int exec(const sys::Kernel& k, Context& ctx, const ExecOptions& o);

}  // namespace ucrun::container
