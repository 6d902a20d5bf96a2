#include "container/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "container/activation.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::container {

namespace {

constexpr int kSignals[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                            SIGPIPE, SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG,  SIGIO,
                            SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ, SIGPWR, SIGSYS};

// Our stdin in raw mode while proxying a pty (runc: console.SetRaw), put
// back as it was on the way out.
class RawTerminal {
public:
    explicit RawTerminal(int fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
        struct termios raw = saved_;
        ::cfmakeraw(&raw);
        if (::tcsetattr(fd, TCSANOW, &raw) == 0) fd_ = fd;
    }
    ~RawTerminal() {
        if (fd_ >= 0) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

private:
    int fd_ = -1;
    struct termios saved_ {};
};

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

void set_nonblock(int fd) {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl >= 0) ::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

// Master -> stdout, what is there now. False once the slave side is gone
// (EIO) or on EOF.
bool drain_master(int master) {
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n > 0) {
            sys::write_all(1, std::string_view(buf, static_cast<size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;
    }
}

}  // namespace

SignalForwarder::SignalForwarder() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kSignals) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, &old_) < 0) throw_errno("sigprocmask");
    fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw_errno("signalfd");
}

SignalForwarder::~SignalForwarder() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

void resize_console(int master) {
    struct winsize ws {};
    if (master < 0 || !::isatty(0) || ::ioctl(0, TIOCGWINSZ, &ws) < 0) return;
    if (ws.ws_row == 0 && ws.ws_col == 0) return;
    ::ioctl(master, TIOCSWINSZ, &ws);
}

int wait_foreground(SignalForwarder& sig, const Foreground& f) {
    const int master = f.console;
    std::optional<RawTerminal> raw;
    bool stdin_open = false;
    std::string to_master;  // stdin bytes the master has not taken yet
    if (master >= 0) {
        raw.emplace(0);
        resize_console(master);
        set_nonblock(master);
        stdin_open = ::fcntl(0, F_GETFD) >= 0;
    }
    bool master_open = master >= 0;
    int notify = f.notify;
    int status = 0;
    bool exited = false;

    // Reap every child that has exited (the intermediate of the join path
    // included); keep the status of ours.
    auto reap = [&] {
        int st;
        pid_t w;
        while ((w = ::waitpid(-1, &st, WNOHANG)) > 0)
            if (w == f.pid) {
                status = st;
                exited = true;
            }
    };
    while (!exited) {
        struct pollfd p[5];
        int n = 0;
        p[n++] = {sig.fd(), POLLIN, 0};
        int i_stdin = -1, i_master = -1, i_notify = -1, i_pidfd = -1;
        // Its exit, also when its SIGCHLD came before our signals were
        // blocked (it may exit as soon as it is ready: a `run` whose
        // trampoline cannot be executed, proc/init.cpp).
        if (f.pidfd >= 0) {
            i_pidfd = n;
            p[n++] = {f.pidfd, POLLIN, 0};
        }
        if (stdin_open && to_master.size() < 65536) {
            i_stdin = n;
            p[n++] = {0, POLLIN, 0};
        }
        if (master_open) {
            i_master = n;
            p[n++] = {master, static_cast<short>(POLLIN | (to_master.empty() ? 0 : POLLOUT)), 0};
        }
        if (notify >= 0) {
            i_notify = n;
            p[n++] = {notify, POLLIN, 0};
        }
        if (::poll(p, static_cast<nfds_t>(n), -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (::read(sig.fd(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
                int s = static_cast<int>(si.ssi_signo);
                if (s == SIGCHLD) {
                    reap();
                } else if (s == SIGWINCH) {
                    resize_console(master);
                } else {
                    sys::pidfd_send_signal(f.pidfd, s);
                }
            }
        }
        if (i_pidfd >= 0 && (p[i_pidfd].revents & POLLIN)) reap();
        if (i_stdin >= 0 && (p[i_stdin].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[4096];
            ssize_t r = ::read(0, buf, sizeof buf);
            if (r > 0) to_master.append(buf, static_cast<size_t>(r));
            else if (r == 0 || (errno != EINTR && errno != EAGAIN)) stdin_open = false;  // runc: the copy just ends
        }
        if (i_master >= 0) {
            short re = p[i_master].revents;
            if (re & POLLIN) master_open = drain_master(master);
            else if (re & (POLLHUP | POLLERR)) master_open = drain_master(master);
            if (master_open && !to_master.empty()) {
                ssize_t w = ::write(master, to_master.data(), to_master.size());
                if (w > 0) to_master.erase(0, static_cast<size_t>(w));
                else if (w < 0 && errno != EAGAIN && errno != EINTR) to_master.clear();
            }
        }
        if (i_notify >= 0 && (p[i_notify].revents & POLLIN)) {
            try {
                if (activation::forward_notify(notify, f.notify_host, f.notify_mainpid)) notify = -1;
            } catch (const std::exception&) {
                notify = -1;  // runc ignores a failed forward here
            }
        }
    }
    // What the process wrote just before it exited.
    if (master_open) drain_master(master);
    return exit_code(status);
}

}  // namespace ucrun::container
