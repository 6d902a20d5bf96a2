// The parent<->init messages (proc/messages.hpp): the first input byte
// says whether a descriptor is attached (bit 0), the rest is one datagram
// as the peer sends it. It goes through the real transport
// (proc::send/recv on a socketpair) and the pure decoder, which must agree;
// what decode() accepts, encode() gives back in a form decode() accepts
// again unchanged; an Error is thrown as the parent throws it. The init runs
// the container's setup, so its messages are checked, not trusted.
#include <sys/socket.h>
#include <unistd.h>

#include <variant>

#include "fuzz.hpp"
#include "proc/error_msg.hpp"
#include "proc/messages.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"
#include "sys/socket.hpp"

UCRUN_FUZZ_TARGET(message) {
    using namespace ucrun::proc;
    const std::string_view in = ucrun::fuzz::text(data, size);
    if (in.empty()) return 0;
    const bool attach = in[0] & 1;
    const std::string_view wire = in.substr(1);

    const std::optional<Message> decoded = decode(wire, attach);
    if (decoded) {
        // Encoding what was decoded never throws (it fits the bounds it was
        // decoded within) and is a fixed point: decoding it gives the same
        // bytes again. An fd field is empty in a decoded message: a Console
        // cannot be encoded without its master, so it is compared as bytes.
        if (!std::holds_alternative<Console>(*decoded)) {
            const Encoded e = encode(*decoded);
            const auto again = decode(e.bytes, false);
            UCRUN_FUZZ_CHECK(again && again->index() == decoded->index());
            UCRUN_FUZZ_CHECK(encode(*again).bytes == e.bytes);
        }
        if (const auto* err = std::get_if<ErrorMsg>(&*decoded)) {
            try {
                throw_error(err->error, "unable to start container process: ");
            } catch (const ucrun::Error&) {
            } catch (const ucrun::SysError&) {
            }
        }
        if (const auto* p = std::get_if<InitPid>(&*decoded)) UCRUN_FUZZ_CHECK(p->pid > 0);
    }

    // The same datagram over a socketpair: recv() refuses exactly what
    // decode() refuses, and hands over a descriptor where the type has one.
    if (wire.empty()) return 0;  // a zero-length datagram reads as EOF
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return 0;
    ucrun::Fd a(sv[0]), b(sv[1]);
    if (!ucrun::sys::send_msg(a.get(), wire, attach ? a.get() : -1)) return 0;
    std::optional<Message> got;
    bool refused = false;
    try {
        got = recv(b.get());
    } catch (const ucrun::Error&) {
        refused = true;
    }
    UCRUN_FUZZ_CHECK(refused == !decoded);
    if (got) {
        UCRUN_FUZZ_CHECK(got->index() == decoded->index());
        if (const auto* c = std::get_if<Console>(&*got)) UCRUN_FUZZ_CHECK(static_cast<bool>(c->master));
    }
    return 0;
}
