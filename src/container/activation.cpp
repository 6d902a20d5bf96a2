#include "container/activation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "sys/error.hpp"

namespace ucrun::container::activation {

namespace {

int env_int(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return -1;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (*end || n < 0 || n > 65535) return -1;
    return static_cast<int>(n);
}

// sockaddr_un for a path; a leading '@' names an abstract socket (as Go's
// net package and systemd do).
socklen_t unix_addr(const std::string& path, struct sockaddr_un& a) {
    std::memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.sun_path) throw Error("invalid socket path \"" + path + "\"");
    std::memcpy(a.sun_path, path.data(), path.size());
    if (path[0] == '@') {
        a.sun_path[0] = '\0';
        return static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + path.size());
    }
    return sizeof a;
}

std::string notify_path(const std::string& state_dir) { return state_dir + "/notify/notify.sock"; }

}  // namespace

int listen_fds() {
    int pid = env_int("LISTEN_PID");
    if (pid != ::getpid()) return 0;
    int n = env_int("LISTEN_FDS");
    return n > 0 ? n : 0;
}

void add_listen_env(oci::Process& p, int n) {
    p.env.push_back("LISTEN_FDS=" + std::to_string(n));
    p.env.push_back("LISTEN_PID=1");
}

std::string notify_host() {
    const char* v = std::getenv("NOTIFY_SOCKET");
    return v ? v : "";
}

void prepare_notify(oci::Config& cfg, const std::string& state_dir) {
    std::string dir = state_dir + "/notify";
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) throw_errno("mkdir " + dir);
    if (::chmod(dir.c_str(), 0755) < 0) throw_errno("chmod " + dir);
    oci::Mount m;
    m.destination = kNotifyDir;
    m.type = "bind";
    m.source = dir;
    m.options = {"bind", "nosuid", "noexec", "nodev", "ro"};
    cfg.mounts.push_back(std::move(m));
    if (cfg.process) cfg.process->env.push_back(std::string("NOTIFY_SOCKET=") + kNotifySocket);
}

Fd bind_notify(const std::string& state_dir) {
    struct stat st;
    if (::stat((state_dir + "/notify").c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return Fd();
    std::string path = notify_path(state_dir);
    ::unlink(path.c_str());
    Fd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s) throw_errno("socket");
    struct sockaddr_un a;
    socklen_t len = unix_addr(path, a);
    if (::bind(s.get(), reinterpret_cast<struct sockaddr*>(&a), len) < 0) throw_errno("bind " + path);
    // Any user of the container may notify.
    if (::chmod(path.c_str(), 0777) < 0) throw_errno("chmod " + path);
    return s;
}

bool forward_notify(int sock, const std::string& host, pid_t mainpid) {
    char buf[4096];
    ssize_t n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return false;
    std::string got(buf, static_cast<size_t>(n));
    std::string ready;
    size_t pos = 0;
    while (pos <= got.size()) {
        size_t end = got.find('\n', pos);
        if (end == std::string::npos) end = got.size();
        std::string line = got.substr(pos, end - pos);
        if (line.rfind("READY=", 0) == 0) {
            ready = line;
            break;
        }
        pos = end + 1;
    }
    if (ready.empty()) return false;
    Fd c(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!c) throw_errno("socket");
    struct sockaddr_un a;
    socklen_t len = unix_addr(host, a);
    if (::connect(c.get(), reinterpret_cast<struct sockaddr*>(&a), len) < 0) throw_errno("connect NOTIFY_SOCKET " + host);
    std::string msg = ready + "\n";
    if (::send(c.get(), msg.data(), msg.size(), MSG_NOSIGNAL) < 0) throw_errno("write NOTIFY_SOCKET " + host);
    // The service manager then watches the container's process.
    msg = "MAINPID=" + std::to_string(mainpid) + "\n";
    if (::send(c.get(), msg.data(), msg.size(), MSG_NOSIGNAL) < 0) throw_errno("write NOTIFY_SOCKET " + host);
    return true;
}

void wait_notify(int sock, const std::string& host, pid_t mainpid, int init_pidfd) {
    for (;;) {
        struct pollfd p[2] = {{sock, POLLIN, 0}, {init_pidfd, POLLIN, 0}};
        int n = ::poll(p, init_pidfd >= 0 ? 2 : 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll notify socket");
        }
        if ((p[0].revents & POLLIN) && forward_notify(sock, host, mainpid)) return;
        if (init_pidfd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) return;  // the init has exited
    }
}

}  // namespace ucrun::container::activation
