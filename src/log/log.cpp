#include "log/log.hpp"

#include <fcntl.h>
#include <time.h>

#include <cstdio>

#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun {

namespace {
const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::Debug: return "debug";
        case LogLevel::Info: return "info";
        case LogLevel::Warn: return "warning";
        case LogLevel::Error: return "error";
    }
    return "info";
}
}  // namespace

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

std::string rfc3339_now() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    ::gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
    return buf;
}

void Logger::open(const std::string& path, bool json, bool debug) {
    json_ = json;
    debug_ = debug;
    if (path.empty()) return;
    file_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!file_) throw_errno("open log file " + path);
}

void Logger::write(LogLevel level, std::string_view msg) const {
    if (level == LogLevel::Debug && !debug_) return;
    std::string line;
    if (json_) {
        line = "{\"level\":\"" + std::string(level_name(level)) + "\",\"msg\":\"" + json_escape(msg) +
               "\",\"time\":\"" + rfc3339_now() + "\"}\n";
    } else if (file_) {
        // logrus text format, as runc writes it
        line = "time=\"" + rfc3339_now() + "\" level=" + level_name(level) + " msg=\"" + json_escape(msg) + "\"\n";
    } else {
        line = std::string("ucrun: ") +
               (level == LogLevel::Error ? "" : std::string(level_name(level)) + ": ") + std::string(msg) + "\n";
    }
    sys::write_all(fd(), line);
}

void Logger::error(std::string_view msg) const {
    write(LogLevel::Error, msg);
    if (file_) sys::write_all(2, "ucrun: " + std::string(msg) + "\n");
}

}  // namespace ucrun
