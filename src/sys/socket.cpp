#include "sys/socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <vector>

#include "sys/error.hpp"

namespace ucrun::sys {

std::pair<Fd, Fd> seqpacket_pair(const Kernel& k) {
    int sv[2];
    if (k.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("socketpair");
    return {Fd(sv[0]), Fd(sv[1])};
}

bool send_msg(int sock, std::string_view data, int fd) {
    struct iovec iov {};
    iov.iov_base = const_cast<char*>(data.data());
    iov.iov_len = data.size();
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    for (;;) {
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0) return true;
        if (errno != EINTR) return false;
    }
}

bool recv_msg(int sock, std::string& data, Fd* fd) {
    // The size of the next message first (datagram sockets: MSG_TRUNC
    // reports the full length; no control buffer, so no fd is taken), then
    // a buffer of exactly that size. A fixed 64 KiB stack buffer cost 16
    // page faults per call (stack-clash probes touch every page), in the
    // parent and again, copy-on-write, in the init.
    // ECONNRESET: the peer exited with a message of ours unread
    // (unix_release_sock). The kernel reports that before the messages the
    // peer sent last, which are still queued (its Error: the reason it
    // exited), and clears it by reporting it: read on, up to EOF.
    ssize_t len;
    do {
        len = ::recv(sock, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    } while (len < 0 && (errno == EINTR || errno == ECONNRESET));
    if (len < 0) throw_errno("recvmsg");
    std::string buf(static_cast<size_t>(len > 0 ? len : 1), '\0');
    struct iovec iov {};
    iov.iov_base = buf.data();
    iov.iov_len = buf.size();
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && (errno == EINTR || errno == ECONNRESET));  // see above
    if (n < 0) throw_errno("recvmsg");
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            std::memcpy(&got, CMSG_DATA(c), sizeof(int));
            if (fd) fd->reset(got);
            else ::close(got);
        }
    }
    if (n == 0) return false;
    buf.resize(static_cast<size_t>(n));
    data = std::move(buf);
    return true;
}

Fd connect_unix(const std::string& path, int type) {
    Fd s(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!s) throw_errno("socket");
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) throw Error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(s.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("connect " + path);
    return s;
}

}  // namespace ucrun::sys
