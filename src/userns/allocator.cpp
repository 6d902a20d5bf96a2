#include "userns/allocator.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace ucrun::userns {

namespace {

using nlohmann::json;

struct Entry {
    Block block;
    Mode mode = Mode::PerContainer;
    std::string user;
    pid_t pid = 0;
    uint64_t start_time = 0;
};
using Registry = std::map<std::string, Entry>;

const char* mode_name(Mode m) { return m == Mode::Shared ? "shared" : "per-container"; }

json range_json(const IdRange& r) { return json::array({r.start, r.count}); }

// The registry is input like any file on disk: every value is checked, and
// a file that does not parse is refused (dropping an entry could give its
// ids to a second container).
IdRange range_from(const json& j, const std::string& where) {
    if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() || !j[1].is_number_unsigned())
        throw Error(where + ": expected [start, count]");
    uint64_t s = j[0].get<uint64_t>(), c = j[1].get<uint64_t>();
    if (c == 0 || s == 0 || s + c > kIdLimit) throw Error(where + ": range out of bounds");
    return {uint32_t(s), uint32_t(c)};
}

Registry parse(const std::string& text, const std::string& file) {
    Registry reg;
    if (text.empty()) return reg;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("allocations") || !j["allocations"].is_object())
        throw Error(file + ": corrupt userns allocation registry: expected {\"allocations\": {...}}");
    for (const auto& [id, v] : j["allocations"].items()) {
        std::string where = file + ": allocations." + id;
        try {
            state::checked_id(id);
        } catch (const Error& e) {
            throw Error(where + ": " + e.what());
        }
        if (!v.is_object()) throw Error(where + ": expected an object");
        Entry e;
        e.block.uid = range_from(v.value("uid", json()), where + ".uid");
        e.block.gid = range_from(v.value("gid", json()), where + ".gid");
        std::string mode = v.value("mode", "");
        if (mode != "shared" && mode != "per-container") throw Error(where + ".mode: expected shared or per-container");
        e.mode = mode == "shared" ? Mode::Shared : Mode::PerContainer;
        if (!v.contains("user") || !v["user"].is_string()) throw Error(where + ".user: expected a string");
        e.user = v["user"].get<std::string>();
        if (v.contains("pid") && v["pid"].is_number_unsigned()) e.pid = pid_t(v["pid"].get<uint32_t>());
        if (v.contains("start_time") && v["start_time"].is_number_unsigned())
            e.start_time = v["start_time"].get<uint64_t>();
        reg[id] = e;
    }
    return reg;
}

std::string dump(const Registry& reg) {
    json a = json::object();
    for (const auto& [id, e] : reg)
        a[id] = {{"uid", range_json(e.block.uid)}, {"gid", range_json(e.block.gid)}, {"mode", mode_name(e.mode)},
                 {"user", e.user}, {"pid", e.pid}, {"start_time", e.start_time}};
    return json{{"version", 1}, {"allocations", a}}.dump(1) + "\n";
}

Registry load(const std::string& file) {
    std::string text;
    try {
        text = sys::read_file(file);
    } catch (const SysError& e) {
        if (e.code() != ENOENT) throw;
    }
    return parse(text, file);
}

bool overlaps(const IdRange& a, const IdRange& b) { return a.start < b.end() && b.start < a.end(); }

// First fit: the lowest `size` ids inside one of `ranges` that meet none of `taken`.
std::optional<IdRange> carve(const std::vector<IdRange>& ranges, std::vector<IdRange> taken, uint32_t size) {
    std::sort(taken.begin(), taken.end(), [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
    for (const auto& r : ranges) {
        uint64_t at = r.start;
        for (const auto& t : taken) {
            if (t.end() <= at) continue;
            if (t.start >= at + size) break;
            at = t.end();  // the candidate meets t: try just after it
        }
        if (at + size <= r.end()) return IdRange{uint32_t(at), size};
    }
    return std::nullopt;
}

std::string describe(const std::vector<IdRange>& rs) {
    std::string s;
    for (const auto& r : rs)
        s += (s.empty() ? "" : ", ") + std::to_string(r.start) + "-" + std::to_string(r.end() - 1);
    return s;
}

void mkdir_one(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

}  // namespace

bool reclaimable(const std::string& root, const std::string& id, pid_t pid, uint64_t start_time) {
    struct stat st{};
    std::string dir = root + "/" + state::checked_id(id);
    if (::lstat(dir.c_str(), &st) == 0 || errno != ENOENT) return false;
    return pid <= 0 || state::process_start_time(pid) != start_time;
}

Allocator::Allocator(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    dir_ = root_ + "/.userns";
    file_ = dir_ + "/allocations.json";
}

namespace {
// An exclusive flock on <dir>/lock for the whole read-modify-write.
Fd lock_registry(const std::string& root, const std::string& dir) {
    mkdir_one(root, 0711);
    mkdir_one(dir, 0700);
    std::string path = dir + "/lock";
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("open " + path);
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) throw_errno("flock " + path);
    return fd;
}
}  // namespace

Block Allocator::allocate(const std::string& id, const Ranges& ranges, uint32_t size, Mode mode) {
    state::checked_id(id);
    if (size == 0) throw Error("userns: a block of 0 ids cannot hold a container");
    if (ranges.uids.empty() || ranges.gids.empty())
        throw Error("userns: user " + ranges.user + " has no subordinate ranges in " + ranges.subuid + " or " +
                    ranges.subgid);
    Fd lock = lock_registry(root_, dir_);
    Registry reg = load(file_);
    if (auto it = reg.find(id); it != reg.end()) {
        Entry& e = it->second;
        if (e.mode == mode && e.user == ranges.user && (mode == Mode::Shared || e.block.uid.count == size)) {
            // A create retried after a crash takes the block over: with the
            // dead allocator's pid, it would be reclaimable until our
            // directory exists, and handed to another container meanwhile.
            if (reclaimable(root_, id, e.pid, e.start_time)) {
                e.pid = ::getpid();
                e.start_time = state::process_start_time(e.pid);
                sys::write_file_atomic(file_, dump(reg), 0600);
            }
            return e.block;
        }
        throw Error("userns: container " + id + " already has a " + mode_name(e.mode) + " block of " +
                    std::to_string(e.block.uid.count) + " ids of user " + e.user + " (" + file_ + ")");
    }
    std::erase_if(reg, [&](const auto& kv) { return reclaimable(root_, kv.first, kv.second.pid, kv.second.start_time); });
    Entry e;
    e.mode = mode;
    e.user = ranges.user;
    e.pid = ::getpid();
    e.start_time = state::process_start_time(e.pid);
    std::vector<IdRange> tu, tg;  // taken by per-container blocks, for shared; by all, for per-container
    for (const auto& [other, o] : reg) {
        if (mode == Mode::Shared && o.mode == Mode::Shared) continue;  // shared ranges are shared
        tu.push_back(o.block.uid);
        tg.push_back(o.block.gid);
    }
    auto exhausted = [&](const std::string& what) {
        return Error("userns: " + what + " (user " + ranges.user + ": uids " + describe(ranges.uids) + " in " +
                     ranges.subuid + ", gids " + describe(ranges.gids) + " in " + ranges.subgid + "; " +
                     std::to_string(reg.size()) + " blocks allocated in " + file_ + ")");
    };
    if (mode == Mode::Shared) {
        uint32_t n = std::min({size, ranges.uids[0].count, ranges.gids[0].count});
        e.block = {{ranges.uids[0].start, n}, {ranges.gids[0].start, n}};
        for (const auto& t : tu)
            if (overlaps(t, e.block.uid)) throw exhausted("the shared range is in use by per-container blocks");
        for (const auto& t : tg)
            if (overlaps(t, e.block.gid)) throw exhausted("the shared range is in use by per-container blocks");
    } else {
        auto u = carve(ranges.uids, tu, size);
        auto g = carve(ranges.gids, tg, size);
        if (!u || !g)
            throw exhausted("no free block of " + std::to_string(size) + " " + (u ? "gids" : "uids") +
                            " for container " + id);
        e.block = {*u, *g};
    }
    reg[id] = e;
    sys::write_file_atomic(file_, dump(reg), 0600);
    return e.block;
}

void Allocator::release(const std::string& id) {
    state::checked_id(id);
    struct stat st{};
    if (::stat(file_.c_str(), &st) < 0 && errno == ENOENT) return;  // nothing was ever allocated
    Fd lock = lock_registry(root_, dir_);
    Registry reg = load(file_);
    if (reg.erase(id)) sys::write_file_atomic(file_, dump(reg), 0600);
}

std::optional<Block> Allocator::find(const std::string& id) const {
    Registry reg = load(file_);
    auto it = reg.find(state::checked_id(id));
    if (it == reg.end()) return std::nullopt;
    return it->second.block;
}

}  // namespace ucrun::userns
