// The payload of the Error message (proc/messages.hpp): what went wrong in the init or
// an exec'd process, typed, so that the parent can say
//   config.json: <path>: <what>: <strerror>
// as if the failure had happened in its own process. Encoded as
//   u32 errno (little endian) | u16 length of path | path | message
// Both strings are bounded: a message of any size (a 1 MB hostname echoed
// in it) arrives shortened, never lost to EMSGSIZE on the socket.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace ucrun::proc {

struct ErrorRecord {
    int err = 0;         // errno of the failed system call, 0 if none
    std::string path;    // JSON path in config.json ("mounts[3].source"), "" if none
    std::string message; // what failed, without the strerror text
};

constexpr size_t kMaxErrorPath = 1024;
constexpr size_t kMaxErrorMessage = 8192;  // before the "[...]" marker

// `s` if it has at most `max` bytes; else its head, "[... N bytes ...]"
// and its last max/8 bytes.
std::string shorten_text(std::string_view s, size_t max);

// What an exception thrown in the init says: ucrun::ConfigError and
// oci::SpecError of config.json give their path, SysError its errno.
ErrorRecord error_record(const std::exception& e);
// Over-long strings are shortened: the path is cut, the message keeps its
// head and its tail (where exec errors say "executable file not found").
std::string encode(const ErrorRecord& r);
// nullopt when `payload` is not an encoded record.
std::optional<ErrorRecord> decode(std::string_view payload);
// Throws what the record describes: ConfigError, SysError or Error, with
// `prefix` before the whole text ("unable to start container process: ").
[[noreturn]] void throw_error(const ErrorRecord& r, std::string_view prefix = {});

}  // namespace ucrun::proc
