// The transport of the typed messages (proc/messages.hpp) between ucrun
// and the container's init over one SOCK_SEQPACKET socketpair: one message
// per datagram, a descriptor attached with SCM_RIGHTS where the type has
// one. An error in the init travels to the parent as an Error message
// carrying its errno, the config.json path it was applying and its text
// (proc/error_msg.hpp); no exception crosses the clone boundary.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "proc/messages.hpp"

namespace ucrun::proc {

// Returns false with errno when the peer is gone (EPIPE) or the socket
// fails. Throws ucrun::Error when the message does not fit its bounds
// (proc/messages.hpp encode).
bool send(int sock, const Message& m);
// nullopt on EOF. Throws on socket errors and on a malformed message (what
// the peer sent is never taken as it comes).
std::optional<Message> recv(int sock);

// The init and exec's child die with ucrun until they are on record or
// released: a command killed at any moment must not leave a process behind
// that goes on setting up a container (PR_SET_PDEATHSIG). The signal only
// covers a future death: a parent already gone is seen as the hang-up of
// its end of `sync`. The kernel clears the setting whenever the process's
// ids change (prctl(2)): call it again after each change.
void die_with_parent(int sync);
void outlive_parent();

// In the init or an exec'd process: blocks for the parent's message of type
// M and returns it; throws ucrun::Error when the parent is gone or says
// something else.
Message wait_for_any(int sock);
[[noreturn]] void unexpected(const Message& got, const Message& want);
template <class M>
M wait_for(int sock) {
    Message m = wait_for_any(sock);
    if (auto* p = std::get_if<M>(&m)) return std::move(*p);
    unexpected(m, M{});
}

}  // namespace ucrun::proc
