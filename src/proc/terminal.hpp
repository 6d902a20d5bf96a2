// process.terminal (config.md "Process"): a pty allocated inside the
// container's devpts; the slave becomes the process's controlling terminal
// and stdio. The master goes to --console-socket over SCM_RIGHTS with the
// pty's name as the message, as runc does (the receivers are containerd's
// shim and conmon); without a console socket (foreground `run`, `exec -t`)
// it goes to ucrun over the sync channel (a Console message, proc/messages.hpp), and ucrun
// proxies its own terminal to it (container/foreground.hpp).
#pragma once

#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

struct ConsoleTarget {
    int fd = -1;                  // connected --console-socket, or the sync socket
    bool sync = false;            // fd is the sync socket: send a Console message
    bool bind_dev_console = true; // the init binds the slave on /dev/console; exec does not (runc)
};

// After pivot_root (or joining the container's mount namespace). The
// container's files (/dev/ptmx, /dev/console) are reached through `k`
// (sys/kernel.hpp); the pty's own ioctls, setsid and dup2 are direct.
void setup_console(const sys::Kernel& k, const oci::Process& p, const ConsoleTarget& to);

// /dev/console becomes the pty slave (runc binds it there). The mount goes
// onto an fd of a plain file made in the container's /dev: whatever the
// rootfs put there (a symlink to some file, CVE-2025-52565) is removed
// first, never followed. Nothing without a /dev.
void bind_console(const sys::Kernel& k, int slave);

}  // namespace ucrun::proc
