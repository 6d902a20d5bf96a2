#include "proc/messages.hpp"

#include <array>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "proc/dmz/protocol.h"
#include "sys/error.hpp"

namespace ucrun::proc {

namespace {

// The type bytes, in the order of the variant's alternatives. Letters, so
// that a strace of the socket reads; the values predate the typed messages.
constexpr std::array<char, std::variant_size_v<Message>> kTypeByte = {
    'u',  // NeedMaps
    'm',  // MapsDone
    'p',  // InitPid
    'r',  // Ready
    's',  // Start
    'e',  // ErrorMsg
    'j',  // State
    'h',  // Hooks
    'H',  // HooksDone
    'c',  // Console
    'R',  // Recorded
    'd',  // Detached
    'D',  // Debug
};
// The trampoline reads Start itself when the init executes it before its
// release (proc/dmz/dmz.c): one byte, this one.
static_assert(std::is_same_v<std::variant_alternative_t<4, Message>, Start> && kTypeByte[4] == UCRUN_DMZ_START);
// And Recorded (in), Detached (out) for `create`'s (UCRUN_DMZ_MAGIC_ON_FIFO).
static_assert(std::is_same_v<std::variant_alternative_t<10, Message>, Recorded> && kTypeByte[10] == UCRUN_DMZ_RECORDED);
static_assert(std::is_same_v<std::variant_alternative_t<11, Message>, Detached> && kTypeByte[11] == UCRUN_DMZ_DETACHED);
constexpr std::array<std::string_view, std::variant_size_v<Message>> kName = {
    "NeedMaps", "MapsDone", "InitPid", "Ready",    "Start",    "Error", "State",
    "Hooks",    "HooksDone", "Console", "Recorded", "Detached", "Debug",
};

// The empty Message alternative of index I, for decode.
template <size_t I>
Message make_at() {
    return Message(std::in_place_index<I>);
}
template <size_t... I>
std::optional<Message> make_index(size_t i, std::index_sequence<I...>) {
    std::optional<Message> out;
    ((i == I ? (out = make_at<I>(), 0) : 0), ...);
    return out;
}

}  // namespace

std::string_view name_of(const Message& m) { return kName[m.index()]; }

Encoded encode(const Message& m) {
    Encoded out;
    out.bytes += kTypeByte[m.index()];
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, MapsDone>) {
                out.fd = v.rootfs.get();
            } else if constexpr (std::is_same_v<T, InitPid>) {
                if (v.pid <= 0) throw Error("InitPid message: invalid pid " + std::to_string(v.pid));
                out.bytes += std::to_string(v.pid);
            } else if constexpr (std::is_same_v<T, ErrorMsg>) {
                out.bytes += encode(v.error);  // bounded (proc/error_msg.hpp)
            } else if constexpr (std::is_same_v<T, State>) {
                out.bytes += v.json;
            } else if constexpr (std::is_same_v<T, Console>) {
                if (v.name.empty() || v.name.size() > kMaxConsoleName)
                    throw Error("Console message: a pty name of " + std::to_string(v.name.size()) + " bytes");
                if (!v.master) throw Error("Console message: no pty master to attach");
                out.bytes += v.name;
                out.fd = v.master.get();
            } else if constexpr (std::is_same_v<T, Debug>) {
                out.bytes += shorten_text(v.line, kMaxDebugLine);
            }
        },
        m);
    if (out.bytes.size() > kMaxMessage)
        throw Error(std::string(name_of(m)) + " message of " + std::to_string(out.bytes.size()) +
                    " bytes: more than the " + std::to_string(kMaxMessage) + " bytes one message may have");
    return out;
}

std::optional<Message> decode(std::string_view bytes, bool fd_attached) {
    if (bytes.empty() || bytes.size() > kMaxMessage) return std::nullopt;
    size_t index = kTypeByte.size();
    for (size_t i = 0; i < kTypeByte.size(); ++i)
        if (kTypeByte[i] == bytes[0]) index = i;
    if (index == kTypeByte.size()) return std::nullopt;
    std::optional<Message> m = make_index(index, std::make_index_sequence<std::variant_size_v<Message>>{});
    const std::string_view payload = bytes.substr(1);
    bool ok = std::visit(
        [&](auto& v) {
            using T = std::decay_t<decltype(v)>;
            // Which types carry a descriptor: MapsDone may, Console must.
            if constexpr (std::is_same_v<T, Console>) {
                if (!fd_attached) return false;
            } else if constexpr (!std::is_same_v<T, MapsDone>) {
                if (fd_attached) return false;
            }
            if constexpr (std::is_same_v<T, InitPid>) {
                auto pid = decode_pid(payload);
                if (pid) v.pid = *pid;
                return pid.has_value();
            } else if constexpr (std::is_same_v<T, ErrorMsg>) {
                auto r = decode(payload);
                if (r) v.error = std::move(*r);
                return r.has_value();
            } else if constexpr (std::is_same_v<T, State>) {
                if (!nlohmann::json::accept(payload)) return false;
                v.json = std::string(payload);
                return true;
            } else if constexpr (std::is_same_v<T, Console>) {
                if (payload.empty() || payload.size() > kMaxConsoleName) return false;
                v.name = std::string(payload);
                return true;
            } else if constexpr (std::is_same_v<T, Debug>) {
                // What shorten() can make: the line, a marker and a number.
                if (payload.size() > kMaxDebugLine + 64) return false;
                v.line = std::string(payload);
                return true;
            } else {
                return payload.empty();  // no fields: no bytes after the type
            }
        },
        *m);
    if (!ok) return std::nullopt;
    return m;
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

}  // namespace ucrun::proc
