// The parent<->init messages: one SOCK_SEQPACKET message (type byte, then
// payload) through proc::send/recv on a real socketpair, then what the
// parent does with the payload: an Error record decoded and thrown, an
// InitPid decoded to a pid. The init runs the container's setup, so its
// messages are checked, not trusted.
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.hpp"
#include "proc/error_msg.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"

UCRUN_FUZZ_TARGET(message) {
    using namespace ucrun::proc;
    const std::string_view in = ucrun::fuzz::text(data, size);
    if (in.empty()) return 0;

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return 0;
    ucrun::Fd a(sv[0]), b(sv[1]);
    Msg type{};
    std::string payload;
    if (!send(a.get(), static_cast<Msg>(in[0]), in.substr(1))) return 0;
    UCRUN_FUZZ_CHECK(recv(b.get(), type, payload));
    UCRUN_FUZZ_CHECK(static_cast<char>(type) == in[0] && payload == in.substr(1));

    if (auto r = decode(payload)) {
        // What decode() accepts, encode() gives back as it was.
        if (r->message.size() <= kMaxErrorMessage) {
            const auto again = decode(encode(*r));
            UCRUN_FUZZ_CHECK(again && again->err == r->err && again->path == r->path && again->message == r->message);
        }
    }
    try {
        throw_error(payload, type == Msg::Error ? "" : "unable to start container process: ");
    } catch (const ucrun::Error&) {
    } catch (const ucrun::SysError&) {
    }
    if (auto pid = decode_pid(payload)) UCRUN_FUZZ_CHECK(*pid > 0);
    return 0;
}
