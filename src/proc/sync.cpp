#include "proc/sync.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/socket.hpp"

namespace ucrun::proc {

bool send(int sock, const Message& m) {
    const Encoded e = encode(m);
    return sys::send_msg(sock, e.bytes, e.fd);
}

std::optional<Message> recv(int sock) {
    std::string bytes;
    Fd fd;
    if (!sys::recv_msg(sock, bytes, &fd)) return std::nullopt;
    std::optional<Message> m = decode(bytes, static_cast<bool>(fd));
    if (!m) throw Error("malformed message on the channel between ucrun and the container process");
    // The received descriptor goes where decode() said the type has one.
    if (auto* d = std::get_if<MapsDone>(&*m)) d->rootfs = std::move(fd);
    if (auto* c = std::get_if<Console>(&*m)) c->master = std::move(fd);
    return m;
}

void die_with_parent(int sync) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct pollfd p = {sync, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP))) ::_exit(1);
}

void outlive_parent() { ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0); }

Message wait_for_any(int sock) {
    std::optional<Message> m = recv(sock);
    if (!m) throw Error("ucrun exited before the container process was started");
    return std::move(*m);
}

void unexpected(const Message& got, const Message& want) {
    throw Error("unexpected message from ucrun: " + std::string(name_of(got)) + " instead of " +
                std::string(name_of(want)));
}

}  // namespace ucrun::proc
