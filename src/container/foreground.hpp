// Waiting for a process in the foreground (`run` without --detach, `exec`
// without --detach), as runc's signal handler and tty code do:
//  * signals sent to ucrun go to the process (SIGCHLD and SIGWINCH excepted);
//  * with a pty master (process.terminal and no --console-socket), ucrun's
//    stdin is put in raw mode when it is a terminal, stdin is copied to the
//    master and the master to stdout, SIGWINCH copies our window size to the
//    master; the terminal is restored on the way out;
//  * a bound notify socket's READY= goes on to $NOTIFY_SOCKET
//    (container/activation.hpp) while waiting.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>

#include "sys/fd.hpp"

namespace ucrun::container {

// Blocks the signals ucrun forwards (and SIGCHLD) for its lifetime and
// reads them from a signalfd. Make it before the process is released, so
// that no signal (nor its SIGCHLD) is missed. Children inherit the blocked
// mask: they must unblock it before execve.
class SignalForwarder {
public:
    SignalForwarder();
    ~SignalForwarder();
    SignalForwarder(const SignalForwarder&) = delete;
    SignalForwarder& operator=(const SignalForwarder&) = delete;
    int fd() const { return fd_.get(); }

private:
    sigset_t old_;
    Fd fd_;
};

struct Foreground {
    pid_t pid = 0;       // our child, waited for
    int pidfd = -1;      // where signals go
    int console = -1;    // pty master to proxy, or -1
    int notify = -1;     // bound notify socket, or -1
    std::string notify_host;
    pid_t notify_mainpid = 0;
};

// Returns the exit status as a shell would (128+N for signal N).
int wait_foreground(SignalForwarder& sig, const Foreground& f);

// Copies the window size of our stdin (when a terminal) to the pty master.
void resize_console(int master);

}  // namespace ucrun::container
