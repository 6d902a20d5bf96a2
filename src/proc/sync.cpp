#include "proc/sync.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/socket.hpp"

namespace ucrun::proc {

bool send(int sock, Msg type, std::string_view payload, int fd) {
    std::string buf;
    buf.reserve(payload.size() + 1);
    buf += static_cast<char>(type);
    buf += payload;
    return sys::send_msg(sock, buf, fd);
}

bool recv(int sock, Msg& type, std::string& payload, Fd* fd) {
    std::string buf;
    if (!sys::recv_msg(sock, buf, fd) || buf.empty()) return false;
    type = static_cast<Msg>(buf[0]);
    payload = buf.substr(1);
    return true;
}

std::optional<pid_t> decode_pid(std::string_view payload) {
    // pid_max is at most 2^22 (proc(5)): 7 digits.
    if (payload.empty() || payload.size() > 7 || payload[0] == '0') return std::nullopt;
    pid_t pid = 0;
    for (char c : payload) {
        if (c < '0' || c > '9') return std::nullopt;
        pid = pid * 10 + (c - '0');
    }
    return pid;
}

void die_with_parent(int sync) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct pollfd p = {sync, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP))) ::_exit(1);
}

void outlive_parent() { ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0); }

void wait_for(int sock, Msg want) {
    Msg type;
    std::string payload;
    if (!recv(sock, type, payload)) throw Error("ucrun exited before the container process was started");
    if (type != want) throw Error("unexpected message from ucrun");
}

}  // namespace ucrun::proc
