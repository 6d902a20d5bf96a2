// Unix socket helpers: datagrams with an optional file descriptor attached
// (SCM_RIGHTS), used for the parent<->init sync channel and console sockets.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::sys {

std::pair<Fd, Fd> seqpacket_pair(const Kernel& k);  // SOCK_SEQPACKET | SOCK_CLOEXEC, made by k

// Sends one message; `fd` >= 0 is passed along with SCM_RIGHTS. Returns
// false with errno on failure.
bool send_msg(int sock, std::string_view data, int fd = -1);

// Receives one datagram of any size. Returns false on EOF; throws on error.
// A received descriptor is stored in *fd (O_CLOEXEC) when fd != nullptr.
bool recv_msg(int sock, std::string& data, Fd* fd = nullptr);

// Connects a SOCK_STREAM unix socket to `path` (console socket, seccomp
// listener, notify socket).
Fd connect_unix(const std::string& path, int type);

}  // namespace ucrun::sys
