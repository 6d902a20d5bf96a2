#include "proc/error_msg.hpp"

#include <cstdint>

#include "oci/error.hpp"
#include "sys/error.hpp"

namespace ucrun::proc {

namespace {

constexpr size_t kHeader = 4 + 2;

// errno values are small positive numbers (MAX_ERRNO is 4095).
constexpr uint32_t kMaxErrno = 4095;

}  // namespace

std::string shorten_text(std::string_view s, size_t max) {
    if (s.size() <= max) return std::string(s);
    const size_t tail = max / 8;
    const size_t head = max - tail;
    return std::string(s.substr(0, head)) + "[... " + std::to_string(s.size() - head - tail) + " bytes ...]" +
           std::string(s.substr(s.size() - tail));
}

ErrorRecord error_record(const std::exception& e) {
    if (const auto* c = dynamic_cast<const ConfigError*>(&e)) return {c->code(), c->path(), c->message()};
    if (const auto* s = dynamic_cast<const SysError*>(&e)) return {s->code(), {}, s->message()};
    if (const auto* o = dynamic_cast<const oci::SpecError*>(&e); o && o->document() == "config.json" && !o->path().empty())
        return {0, o->path(), o->reason()};
    return {0, {}, e.what()};
}

std::string encode(const ErrorRecord& r) {
    const uint32_t err = r.err > 0 && static_cast<uint32_t>(r.err) <= kMaxErrno ? static_cast<uint32_t>(r.err) : 0;
    const std::string_view path = std::string_view(r.path).substr(0, kMaxErrorPath);
    const std::string message = shorten_text(r.message, kMaxErrorMessage);
    std::string out;
    out.reserve(kHeader + path.size() + message.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((err >> (8 * i)) & 0xff);
    out += static_cast<char>(path.size() & 0xff);
    out += static_cast<char>(path.size() >> 8);
    out += path;
    out += message;
    return out;
}

std::optional<ErrorRecord> decode(std::string_view p) {
    if (p.size() < kHeader) return std::nullopt;
    auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
    const uint32_t err = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
    const size_t path_len = byte(4) | byte(5) << 8;
    if (err > kMaxErrno || path_len > kMaxErrorPath || path_len > p.size() - kHeader) return std::nullopt;
    ErrorRecord r;
    r.err = static_cast<int>(err);
    r.path = std::string(p.substr(kHeader, path_len));
    r.message = std::string(p.substr(kHeader + path_len));
    // What encode() can produce, and nothing else: an oversized message
    // means the peer is not ours.
    if (r.message.size() > kMaxErrorMessage + 64) return std::nullopt;
    return r;
}

void throw_error(const ErrorRecord& r, std::string_view prefix) {
    const std::string pre(prefix);
    if (!r.path.empty()) {
        ConfigError e(r.path, r.message, r.err);
        if (pre.empty()) throw e;
        throw Error(pre + e.what());
    }
    if (r.err) throw SysError(pre + r.message, r.err);
    throw Error(pre + r.message);
}

}  // namespace ucrun::proc
