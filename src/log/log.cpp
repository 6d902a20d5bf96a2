#include "log/log.hpp"

#include <fcntl.h>
#include <time.h>

#include <cstdint>
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

// UTC by arithmetic, not gmtime_r: glibc's gmtime_r initialises the time
// zone on first use, i.e. opens and parses /etc/localtime (7 system calls
// and a stdio buffer on every `create`, for a zone a UTC stamp never uses).
// Days to civil date: H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms" (days_from_civil's inverse), exact for the proleptic
// Gregorian calendar.
std::string rfc3339(const struct timespec& ts) {
    const int64_t secs = ts.tv_sec;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) rem += 86400, --days;
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                    // [0, 146096]
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
    const int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11], March first
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2);
    // Digits by hand, not snprintf: nothing else on the start path formats
    // with printf, whose code would be paged in for this stamp alone
    // (tests/bench/PERFORMANCE.md, twelfth pass). Years outside 0..9999
    // (or nanoseconds out of range: no clock here gives either) take snprintf.
    if (year < 0 || year > 9999 || ts.tv_nsec < 0 || ts.tv_nsec > 999999999) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", static_cast<long long>(year),
                      static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rem / 3600),
                      static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60), ts.tv_nsec);
        return buf;
    }
    std::string out(30, '0');  // YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ
    auto put = [&out](size_t end, int64_t v, size_t width) {
        for (size_t i = 0; i < width; ++i, v /= 10) out[end - i] = static_cast<char>('0' + v % 10);
    };
    put(3, year, 4);
    out[4] = '-';
    put(6, month, 2);
    out[7] = '-';
    put(9, day, 2);
    out[10] = 'T';
    put(12, rem / 3600, 2);
    out[13] = ':';
    put(15, rem / 60 % 60, 2);
    out[16] = ':';
    put(18, rem % 60, 2);
    out[19] = '.';
    put(28, ts.tv_nsec, 9);
    out[29] = 'Z';
    return out;
}

std::string rfc3339_now() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return rfc3339(ts);
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
