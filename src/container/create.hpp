// runtime.md "Lifecycle" steps 1-4 and the create operation: from a bundle
// to an init process that waits, in its namespaces, for `start`. In three
// rooms: planning (container/create_plan.hpp, pure), spawning
// (container/spawn.hpp: clone3, maps, the sync protocol) and the record
// (container/create.cpp: state, with container/rollback.hpp undoing a
// half-made container).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "container/context.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::container {

struct CreateOptions {
    std::string id;
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
    bool detach = false;  // run --detach: a terminal needs --console-socket
};

struct Created {
    pid_t pid = 0;
    Fd pidfd;
    Fd sync;  // run: the channel to release the init with the Start message
    Fd console;  // run with process.terminal and no --console-socket: the pty master
    bool poststart_hooks = false;  // config.md "Poststart": run must read the record for them
    bool release_in_trampoline = false;  // run: the trampoline waits for Start (create_plan.hpp)
    // run: the parsed config.json (text, document, model), freed after the
    // release (run_foreground) rather than when create returns: freeing
    // writes heap pages the init still shares, a copy-on-write fault each,
    // while the init waits for Start (issue 17).
    std::shared_ptr<void> parsed;
};

// create: the init waits on <root>/<id>/exec.fifo for `start`.
// run (foreground = true): no FIFO; the init waits for the Start message on `sync`.
// On failure nothing is left behind (state dir, process, cgroup) and the
// error is thrown with its context.
// Every system call of the parent's setup through `k` (sys/kernel.hpp) as
// far as container/spawn.hpp says; the command chooses it.
Created create(const sys::Kernel& k, Context& ctx, const CreateOptions& opts, bool foreground);

}  // namespace ucrun::container
