// process.terminal (config.md "Process"): a pty allocated inside the
// container's devpts; the slave becomes the process's controlling terminal
// and stdio, the master goes to --console-socket over SCM_RIGHTS, as runc
// does (the receivers are containerd's shim and conmon).
#pragma once

#include "oci/config.hpp"

namespace ucrun::proc {

// After pivot_root. `console_socket` is a connected unix socket.
void setup_console(const oci::Process& p, int console_socket);

}  // namespace ucrun::proc
