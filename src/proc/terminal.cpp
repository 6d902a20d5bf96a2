#include "proc/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "proc/sync.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::proc {

namespace {

// Opens `path` inside the container's root (after pivot_root, "/" is the
// rootfs) without leaving it and without magic links.
Fd open_inside(const sys::Kernel& k, const char* path, int flags) {
    Fd root(k.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open /");
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = k.openat2(root.get(), path, &how);
    } while (fd < 0 && errno == EAGAIN);
    return Fd(fd);
}

}  // namespace

void bind_console(const sys::Kernel& k, int slave) {
    Fd dev = open_inside(k, "/dev", O_PATH | O_DIRECTORY);
    if (!dev) return;  // no /dev: nothing to bind onto
    struct stat st;
    if (k.fstatat(dev.get(), "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) throw Error("/dev/console in the container is a directory");
        if (k.unlinkat(dev.get(), "console", 0) < 0) throw_errno("remove /dev/console");
    }
    Fd f(k.openat(dev.get(), "console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!f) throw_errno("create /dev/console");
    f.reset();
    Fd target(k.openat(dev.get(), "console", O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target) throw_errno("open /dev/console");
    Fd tree(k.open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) throw_errno("bind the pty on /dev/console");
    if (k.move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw_errno("bind the pty on /dev/console");
}

void setup_console(const sys::Kernel& k, const oci::Process& p, const ConsoleTarget& to) {
    // The container's devpts, through its /dev/ptmx (-> pts/ptmx), resolved
    // inside the container.
    Fd master = open_inside(k, "/dev/ptmx", O_RDWR | O_NOCTTY);
    if (!master) throw_errno("open /dev/ptmx in the container");
    if (::unlockpt(master.get()) < 0) throw_errno("unlockpt");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) throw_errno("ptsname");
    // TIOCGPTPEER opens the slave of this very master, with no path lookup
    // that the rootfs could redirect.
    Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) throw_errno(std::string("open the pty slave ") + name);
    if (p.consoleSize) {
        struct winsize ws {};
        ws.ws_row = static_cast<unsigned short>(p.consoleSize->height);
        ws.ws_col = static_cast<unsigned short>(p.consoleSize->width);
        ::ioctl(slave.get(), TIOCSWINSZ, &ws);
    }
    if (to.bind_dev_console) bind_console(k, slave.get());
    // runc sends the master with the pty's name as the message.
    if (to.sync) {
        if (!send(to.fd, Console{name, std::move(master)})) throw_errno("send pty master to ucrun");
    } else if (!sys::send_msg(to.fd, name, master.get())) {
        throw_errno("send pty master to --console-socket");
    }
    if (::setsid() < 0) throw_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) throw_errno("set controlling terminal");
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave.get(), i) < 0) throw_errno("dup2 pty slave");
}

}  // namespace ucrun::proc
