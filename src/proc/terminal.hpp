// process.terminal (config.md "Process"): a pty allocated inside the
// container's devpts; the slave becomes the process's controlling terminal
// and stdio. The master goes to --console-socket over SCM_RIGHTS with the
// pty's name as the message, as runc does (the receivers are containerd's
// shim and conmon); without a console socket (foreground `run`, `exec -t`)
// it goes to ucrun over the sync channel (a Console message, proc/messages.hpp), and ucrun
// proxies its own terminal to it (container/foreground.hpp).
#pragma once

#include "oci/config.hpp"

namespace ucrun::proc {

struct ConsoleTarget {
    int fd = -1;                  // connected --console-socket, or the sync socket
    bool sync = false;            // fd is the sync socket: send a Console message
    bool bind_dev_console = true; // the init binds the slave on /dev/console; exec does not (runc)
};

// After pivot_root (or joining the container's mount namespace).
void setup_console(const oci::Process& p, const ConsoleTarget& to);
// The init with a --console-socket.
inline void setup_console(const oci::Process& p, int console_socket) {
    setup_console(p, ConsoleTarget{console_socket, false, true});
}

}  // namespace ucrun::proc
