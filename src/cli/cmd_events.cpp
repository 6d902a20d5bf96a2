// runc events: container stats and OOM notifications as JSON lines.
#include <cmath>
#include <cstdlib>

#include "cli/command.hpp"
#include "container/cgroup_ops.hpp"

namespace ucrun::cli {

namespace {

// A Go time.Duration ("5s", "100ms", "1m30s", "1.5s", "0"), as runc's
// --interval flag takes it; rounded to milliseconds.
std::chrono::milliseconds parse_duration(const std::string& s) {
    auto bad = [&]() -> UsageError {
        return UsageError("invalid value \"" + s + "\" for flag -interval: invalid duration");
    };
    if (s == "0") return std::chrono::milliseconds(0);
    size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == s.size()) throw bad();
    double ns = 0;
    while (i < s.size()) {
        size_t b = i;
        while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
        if (i == b) throw bad();
        std::string num = s.substr(b, i - b);
        char* end = nullptr;
        double v = std::strtod(num.c_str(), &end);
        if (*end || num == ".") throw bad();
        size_t u = i;
        while (i < s.size() && !((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
        std::string unit = s.substr(u, i - u);
        double mult;
        if (unit == "ns") mult = 1;
        else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") mult = 1e3;
        else if (unit == "ms") mult = 1e6;
        else if (unit == "s") mult = 1e9;
        else if (unit == "m") mult = 60e9;
        else if (unit == "h") mult = 3600e9;
        else throw bad();
        ns += v * mult;
    }
    if (!std::isfinite(ns) || ns > 9.2e18) throw bad();
    long long ms = static_cast<long long>(std::ceil(ns / 1e6));
    return std::chrono::milliseconds(neg ? -ms : ms);
}

int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "events");
    auto interval = parse_duration(p.get("interval", "5s"));
    container::events(ctx, container_id(p), p.has("stats"), interval);
    return 0;
}

}  // namespace

const Command& events_command() {
    static constexpr FlagSpec kFlags[] = {
        {"interval", "", true, "set the stats collection interval (default: 5s)"},
        {"stats", "", false, "display the container's stats then exit"},
    };
    static constexpr Command kCommand{
        "events", "events [options] <container-id>",
        "display container events such as OOM notifications, cpu, memory, and IO usage statistics", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
