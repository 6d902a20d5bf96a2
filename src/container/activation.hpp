// What a service manager hands to the runtime and the runtime passes on to
// the container, as runc does:
//
//  * socket activation (sd_listen_fds(3)): when LISTEN_PID is our pid and
//    LISTEN_FDS=n, fds 3 .. 3+n-1 go to the container (before any
//    --preserve-fds), whose environment gets LISTEN_FDS=n and LISTEN_PID=1
//    (runc utils_linux.go, go-systemd activation.Files).
//
//  * readiness (sd_notify(3)): when NOTIFY_SOCKET is set, create makes
//    <state dir>/notify/, bind-mounted read-only on /run/notify in the
//    container, and sets NOTIFY_SOCKET=/run/notify/notify.sock in the
//    container's environment. `start` (and `run`) bind a datagram socket
//    there before releasing the init and forward the container's READY=
//    line, then MAINPID=<pid>, to the caller's socket (runc notify_socket.go).
#pragma once

#include <sys/types.h>

#include <string>

#include "oci/config.hpp"
#include "sys/fd.hpp"

namespace ucrun::container::activation {

// Number of fds passed to us by socket activation, 0 when none (or when
// LISTEN_PID names another process).
int listen_fds();
// Appends LISTEN_FDS=n and LISTEN_PID=1 to the process environment.
void add_listen_env(oci::Process& p, int n);

constexpr const char* kNotifyDir = "/run/notify";
constexpr const char* kNotifySocket = "/run/notify/notify.sock";

// $NOTIFY_SOCKET, "" when unset.
std::string notify_host();
// create: makes <state_dir>/notify and adds the mount and the environment
// variable to the config the init gets.
void prepare_notify(oci::Config& cfg, const std::string& state_dir);
// start/run: binds <state_dir>/notify/notify.sock (SOCK_DGRAM, mode 0777).
// An empty Fd when the container was created without NOTIFY_SOCKET.
Fd bind_notify(const std::string& state_dir);
// Reads one datagram from `sock` (non-blocking); when it has a READY= line,
// forwards it and MAINPID=<mainpid> to `host` and returns true.
bool forward_notify(int sock, const std::string& host, pid_t mainpid);
// start and run --detach: waits until the container said READY= (and
// forwards it) or its init, `init_pidfd`, has exited.
void wait_notify(int sock, const std::string& host, pid_t mainpid, int init_pidfd);

}  // namespace ucrun::container::activation
