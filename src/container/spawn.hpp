// create, room 2 of 3: spawning. The init is cloned (clone3, into its
// cgroup where the kernel can), given its user namespace's maps, the
// idmapped rootfs, the seccomp listener's state and the prestart and
// createRuntime hooks' run, over the typed messages (proc/messages.hpp),
// until it says Ready. Decided by the plan (container/create_plan.hpp);
// what it makes is registered with the rollback (container/rollback.hpp)
// and the record (on_pid) once it is released from its first wait.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "container/cgroups.hpp"
#include "container/context.hpp"
#include "container/create.hpp"
#include "container/create_plan.hpp"
#include "container/rollback.hpp"
#include "oci/config.hpp"
#include "proc/init.hpp"
#include "sys/kernel.hpp"

namespace ucrun::container {

struct SpawnRequest {
    Context* ctx = nullptr;
    const oci::Config* cfg = nullptr;
    const CreatePlan* plan = nullptr;
    std::string id, bundle, rootfs;
    proc::InitArgs* args = nullptr;  // all but sync, set here
    const CgroupEntry* cgroup = nullptr;  // its clone_fd for CLONE_INTO_CGROUP (container/cgroups.hpp); null: none
    bool seccomp_listener = false;   // send the container process state (State)
    // The init runs on our memory until the trampoline's exec (container/
    // create_plan.hpp borrows_memory): the clone returns once it is there.
    bool borrow_memory = false;
    // The init's pid, whenever it becomes known (clone, then InitPid on the
    // join path): recorded right after the init is given its maps (it
    // waits for those, not for the record), before anything else.
    std::function<void(pid_t)> on_pid;
};

// Every system call through `k` (sys/kernel.hpp), but those of the init
// itself (proc/init.cpp, run in the child of k.clone3) and of the message
// transport (proc/sync.hpp). Fills out.pid, out.pidfd, out.sync (run: the channel to release the init)
// and out.console (a terminal without --console-socket). `rollback` gets
// the init process's undo (SIGKILL, wait) as soon as it exists; `out`
// outlives `rollback`.
void spawn_init(const sys::Kernel& k, const SpawnRequest& r, Rollback& rollback, Created& out);

}  // namespace ucrun::container
