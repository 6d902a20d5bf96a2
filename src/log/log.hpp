// runc-compatible logging. With --log FILE, lines go to FILE; --log-format
// json writes {"level":"error","msg":"...","time":"RFC3339"} per line, which
// is what containerd's shim reads to show users the last error. Errors are
// also printed as one line on stderr.
#pragma once

#include <time.h>

#include <string>
#include <string_view>

#include "sys/fd.hpp"

namespace ucrun {

enum class LogLevel { Debug, Info, Warn, Error };

class Logger {
public:
    Logger() = default;
    // path empty: stderr. json: --log-format json.
    void open(const std::string& path, bool json, bool debug);

    void debug(std::string_view msg) const { write(LogLevel::Debug, msg); }
    void info(std::string_view msg) const { write(LogLevel::Info, msg); }
    void warn(std::string_view msg) const { write(LogLevel::Warn, msg); }
    // Writes the log line and, when logging to a file, "ucrun: msg" on stderr.
    void error(std::string_view msg) const;
    bool debug_enabled() const { return debug_; }
    int fd() const { return file_ ? file_.get() : 2; }

private:
    void write(LogLevel level, std::string_view msg) const;
    Fd file_;
    bool json_ = false;
    bool debug_ = false;
};

std::string json_escape(std::string_view s);
std::string rfc3339_now();  // 2026-11-22T17:12:27.123456789Z
std::string rfc3339(const struct timespec& ts);  // the same for ts (UTC)

}  // namespace ucrun
