// runc update: change the resources of a running container, from a
// linux.resources JSON document (-r FILE, "-" for stdin) or from flags.
#include <cmath>
#include <cstdlib>
#include <optional>

#include "cli/command.hpp"
#include "container/cgroup_ops.hpp"
#include "oci/parse.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {

using nlohmann::json;

// docker/go-units RAMInBytes, as runc parses sizes: a decimal number, an
// optional space, an optional binary unit k/m/g/t/p (any case), then an
// optional "i" and "b": "512", "64k", "1.5g", "10MiB", "100 MB".
std::optional<int64_t> ram_in_bytes(const std::string& s) {
    size_t i = 0;
    auto digits = [&] {
        size_t b = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        return i > b;
    };
    if (!digits()) return std::nullopt;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return std::nullopt;
    }
    const std::string number = s.substr(0, i);
    if (i < s.size() && s[i] == ' ') ++i;
    double mult = 1;
    if (i < s.size()) {
        switch (s[i] | 0x20) {
            case 'k': mult = 1024.0; break;
            case 'm': mult = 1024.0 * 1024; break;
            case 'g': mult = 1024.0 * 1024 * 1024; break;
            case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
            case 'p': mult = 1024.0 * 1024 * 1024 * 1024 * 1024; break;
            default: mult = 0;
        }
        if (mult != 0) ++i;
        else mult = 1;
    }
    if (i < s.size() && (s[i] | 0x20) == 'i') ++i;
    if (i < s.size() && (s[i] | 0x20) == 'b') ++i;
    if (i != s.size()) return std::nullopt;
    double v = std::strtod(number.c_str(), nullptr) * mult;
    if (!std::isfinite(v) || v >= 9.2233720368547758e18) return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<std::string> value(const Parsed& p, const std::string& name) {
    if (!p.has(name)) return std::nullopt;
    return p.get(name);
}

[[noreturn]] void invalid(const std::string& flag, const std::string& v, const std::string& why) {
    throw UsageError("invalid value for " + flag + ": \"" + v + "\": " + why);
}

uint64_t parse_u64(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || v[0] == '-' || v[0] == '+' || errno == ERANGE) invalid(flag, v, "not an unsigned integer");
    return n;
}

int64_t parse_i64(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || v[0] == '+' || errno == ERANGE) invalid(flag, v, "not an integer");
    return n;
}

// The flags as a linux.resources patch (runc update.go).
json patch_from_flags(Context& ctx, const Parsed& p) {
    json r = json::object();
    if (auto v = value(p, "blkio-weight")) {
        int64_t w = parse_i64("blkio-weight", *v);
        if (w < 0 || w > 65535) invalid("blkio-weight", *v, "out of range");
        if (w != 0) r["blockIO"]["weight"] = w;  // runc: 0 is "unchanged"
    }
    if (auto v = value(p, "cpuset-cpus"); v && !v->empty()) r["cpu"]["cpus"] = *v;
    if (auto v = value(p, "cpuset-mems"); v && !v->empty()) r["cpu"]["mems"] = *v;
    // runc's flag is --cpu-share; --cpu-shares is accepted too.
    for (const char* f : {"cpu-share", "cpu-shares"})
        if (auto v = value(p, f); v && !v->empty()) r["cpu"]["shares"] = parse_u64(f, *v);
    for (auto [flag, key] : {std::pair{"cpu-period", "period"}, {"cpu-rt-period", "realtimePeriod"}})
        if (auto v = value(p, flag); v && !v->empty()) r["cpu"][key] = parse_u64(flag, *v);
    for (auto [flag, key] : {std::pair{"cpu-quota", "quota"}, {"cpu-rt-runtime", "realtimeRuntime"}})
        if (auto v = value(p, flag); v && !v->empty()) r["cpu"][key] = parse_i64(flag, *v);
    for (auto [flag, key] :
         {std::pair{"memory", "limit"}, {"memory-swap", "swap"}, {"memory-reservation", "reservation"}}) {
        auto v = value(p, flag);
        if (!v || v->empty()) continue;
        if (*v == "-1") {
            r["memory"][key] = -1;
            continue;
        }
        auto n = ram_in_bytes(*v);
        if (!n) throw UsageError(std::string("invalid value for ") + flag + ": invalid size: '" + *v + "'");
        r["memory"][key] = *n;
    }
    for (const char* f : {"kernel-memory", "kernel-memory-tcp"})
        if (auto v = value(p, f); v && !v->empty())
            ctx.log.warn(std::string("Setting --") + f + " is ignored and will be removed");
    if (auto v = value(p, "pids-limit")) {
        int64_t n = parse_i64("pids-limit", *v);
        if (n != 0) r["pids"]["limit"] = n;  // runc: 0 is "unchanged"
    }
    return r;
}

int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "update");
    json patch;
    std::string document;
    if (auto in = value(p, "resources"); in && !in->empty()) {
        // runc: with -r, every other flag is ignored.
        std::string text;
        if (*in == "-") {
            document = "<stdin>";
            text = sys::read_all(0);
        } else {
            document = *in;
            try {
                text = sys::read_file(*in);
            } catch (const SysError& e) {
                throw SysError("open " + *in, e.code());
            }
        }
        // The guarded parse of every document from outside (depth limit).
        patch = oci::parse_document(text, document);
    } else {
        document = "update flags";
        patch = patch_from_flags(ctx, p);
    }
    // runc: an unlimited memory limit without a swap value means unlimited
    // swap too.
    if (patch.is_object() && patch.contains("memory") && patch["memory"].is_object()) {
        auto& m = patch["memory"];
        if (m.contains("limit") && m["limit"] == -1 && !m.contains("swap")) m["swap"] = -1;
    }
    container::update(ctx, container_id(p), patch, document);
    return 0;
}

}  // namespace

const Command& update_command() {
    static constexpr FlagSpec kFlags[] = {
        {"resources", "r", true,
         "path to a file with the resources to update (linux.resources JSON), or '-' for stdin; other "
         "options are then ignored"},
        {"blkio-weight", "", true, "per cgroup block IO weight, 10 to 1000"},
        {"cpu-period", "", true, "CPU CFS period (in usecs) for hardcapping"},
        {"cpu-quota", "", true, "CPU CFS hardcap limit (in usecs): allowed cpu time in a period"},
        {"cpu-share", "", true, "CPU shares (relative weight vs. other containers)"},
        {"cpu-shares", "", true, "same as --cpu-share"},
        {"cpu-rt-period", "", true, "CPU realtime period (in usecs) for hardcapping"},
        {"cpu-rt-runtime", "", true, "CPU realtime hardcap limit (in usecs)"},
        {"cpuset-cpus", "", true, "CPU(s) to use"},
        {"cpuset-mems", "", true, "memory node(s) to use"},
        {"memory", "", true, "memory limit in bytes (k, m, g suffixes; -1: unlimited)"},
        {"memory-reservation", "", true, "memory reservation or soft limit in bytes"},
        {"memory-swap", "", true, "total memory usage (memory + swap); -1: unlimited swap"},
        {"kernel-memory", "", true, "(obsolete, ignored)"},
        {"kernel-memory-tcp", "", true, "(obsolete, ignored)"},
        {"pids-limit", "", true, "maximum number of pids in the container"},
    };
    static constexpr Command kCommand{"update", "update [options] <container-id>",
                                      "update container resource constraints", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
