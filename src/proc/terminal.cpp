#include "proc/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/socket.hpp"

namespace ucrun::proc {

void setup_console(const oci::Process& p, int console_socket) {
    Fd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) throw_errno("open /dev/ptmx in the container");
    if (::unlockpt(master.get()) < 0) throw_errno("unlockpt");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) throw_errno("ptsname");
    Fd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) throw_errno(std::string("open ") + name);
    if (p.consoleSize) {
        struct winsize ws {};
        ws.ws_row = static_cast<unsigned short>(p.consoleSize->height);
        ws.ws_col = static_cast<unsigned short>(p.consoleSize->width);
        ::ioctl(slave.get(), TIOCSWINSZ, &ws);
    }
    // /dev/console is the pty too (runc binds the slave there).
    int c = ::open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (c >= 0) {
        ::close(c);
        ::mount(name, "/dev/console", nullptr, MS_BIND, nullptr);
    }
    // runc sends the master with the pty's name as the message.
    if (!sys::send_msg(console_socket, name, master.get())) throw_errno("send pty master to --console-socket");
    if (::setsid() < 0) throw_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) throw_errno("set controlling terminal");
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave.get(), i) < 0) throw_errno("dup2 pty slave");
}

}  // namespace ucrun::proc
