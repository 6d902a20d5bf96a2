#include "userns/allocator.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/dom.hpp"
#include "oci/error.hpp"
#include "oci/json_read.hpp"
#include "oci/limits.hpp"
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
IdRange range_from(const oci::dom::Value* j, const std::string& where) {
    if (!j || !j->is_array() || j->size() != 2 || !(*j)[0].is_number_unsigned() || !(*j)[1].is_number_unsigned())
        throw Error(where + ": expected [start, count]");
    uint64_t s = (*j)[0].unsigned_integer(), c = (*j)[1].unsigned_integer();
    // Not s + c > kIdLimit: the sum of two 64-bit numbers wraps.
    if (c == 0 || s == 0 || s > kIdLimit || c > kIdLimit - s) throw Error(where + ": range out of bounds");
    return {uint32_t(s), uint32_t(c)};
}

// Read with the parser of every document a start reads (oci/dom.hpp), in
// the language and with the key order nlohmann's DOM, which writes it
// (dump), gives it: a repeated key's last value only, in key order.
Registry parse(std::string text, const std::string& file) {
    using oci::dom::Value;
    Registry reg;
    if (text.empty()) return reg;
    std::optional<oci::dom::Document> doc;
    try {
        doc.emplace(std::move(text), oci::limits::json_depth);
    } catch (const oci::dom::ParseError&) {
    }
    const Value* all = doc && doc->root().is_object() ? doc->root().find("allocations") : nullptr;
    if (!all || !all->is_object())
        throw Error(file + ": corrupt userns allocation registry: expected {\"allocations\": {...}}");
    oci::detail::for_each_member(*all, [&](std::string_view key, const Value& v) {
        const std::string id(key);
        // A key is a container's state directory: absolute, ending in an id.
        std::string where = file + ": allocations[\"" + id + "\"]";
        const size_t slash = id.rfind('/');
        if (id.empty() || id[0] != '/' || slash == std::string::npos)
            throw Error(where + ": expected the absolute path of a container's state directory");
        try {
            state::checked_id(id.substr(slash + 1));
        } catch (const Error& e) {
            throw Error(where + ": " + e.what());
        }
        if (!v.is_object()) throw Error(where + ": expected an object");
        Entry e;
        e.block.uid = range_from(v.find("uid"), where + ".uid");
        e.block.gid = range_from(v.find("gid"), where + ".gid");
        const Value* mode = v.find("mode");
        const std::string_view m = mode && mode->is_string() ? mode->string() : std::string_view();
        if (m != "shared" && m != "per-container") throw Error(where + ".mode: expected shared or per-container");
        e.mode = m == "shared" ? Mode::Shared : Mode::PerContainer;
        const Value* user = v.find("user");
        if (!user || !user->is_string()) throw Error(where + ".user: expected a string");
        e.user = std::string(user->string());
        // No pid (or none a process can have): the entry's container
        // directory alone says whether it is reclaimable.
        if (const Value* pid = v.find("pid"); pid && pid->is_number_unsigned() && pid->unsigned_integer() <= INT_MAX)
            e.pid = static_cast<pid_t>(pid->unsigned_integer());
        if (const Value* st = v.find("start_time"); st && st->is_number_unsigned()) e.start_time = st->unsigned_integer();
        reg[id] = e;
    });
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
    return parse(std::move(text), file);
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

bool reclaimable(const std::string& container_dir, pid_t pid, uint64_t start_time) {
    struct stat st{};
    if (::lstat(container_dir.c_str(), &st) == 0 || errno != ENOENT) return false;
    return pid <= 0 || state::process_start_time(pid) != start_time;
}

Allocator::Allocator(std::string root, std::string registry) : root_(std::move(root)), dir_(std::move(registry)) {
    if (root_.empty() || root_[0] != '/') {
        char cwd[PATH_MAX];
        if (!::getcwd(cwd, sizeof cwd)) throw_errno("getcwd");
        root_ = std::string(cwd) + (root_.empty() ? "" : "/" + root_);
    }
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (dir_.empty()) dir_ = root_ + "/.userns";
    file_ = dir_ + "/allocations.json";
}

std::string Allocator::key(const std::string& id) const { return root_ + "/" + state::checked_id(id); }

namespace {
// An exclusive flock on <dir>/lock for the whole read-modify-write.
Fd lock_registry(const std::string& dir) {
    const size_t slash = dir.rfind('/');
    if (slash != std::string::npos && slash > 0) mkdir_one(dir.substr(0, slash), 0711);  // the state root
    mkdir_one(dir, 0700);
    std::string path = dir + "/lock";
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("open " + path);
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) throw_errno("flock " + path);
    return fd;
}
}  // namespace

Block Allocator::allocate(const std::string& id, const Ranges& ranges, uint32_t size, Mode mode, bool* created) {
    const std::string k = key(id);
    if (created) *created = false;
    if (size == 0) throw Error("userns: a block of 0 ids cannot hold a container");
    if (ranges.uids.empty() || ranges.gids.empty())
        throw Error("userns: user " + ranges.user + " has no subordinate ranges in " + ranges.subuid + " or " +
                    ranges.subgid);
    Fd lock = lock_registry(dir_);
    Registry reg = load(file_);
    if (auto it = reg.find(k); it != reg.end()) {
        Entry& e = it->second;
        if (e.mode == mode && e.user == ranges.user && (mode == Mode::Shared || e.block.uid.count == size)) {
            // A create retried after a crash takes the block over: with the
            // dead allocator's pid, it would be reclaimable until our
            // directory exists, and handed to another container meanwhile.
            if (reclaimable(k, e.pid, e.start_time)) {
                e.pid = ::getpid();
                e.start_time = state::process_start_time(e.pid);
                sys::write_file_atomic(file_, dump(reg), 0600);
            }
            return e.block;
        }
        throw Error("userns: container " + id + " already has a " + mode_name(e.mode) + " block of " +
                    std::to_string(e.block.uid.count) + " ids of user " + e.user + " (" + file_ + ")");
    }
    std::erase_if(reg, [&](const auto& kv) { return reclaimable(kv.first, kv.second.pid, kv.second.start_time); });
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
    reg[k] = e;
    sys::write_file_atomic(file_, dump(reg), 0600);
    if (created) *created = true;
    return e.block;
}

void Allocator::release(const std::string& id) {
    const std::string k = key(id);
    struct stat st{};
    if (::stat(file_.c_str(), &st) < 0 && errno == ENOENT) return;  // nothing was ever allocated
    Fd lock = lock_registry(dir_);
    Registry reg = load(file_);
    if (reg.erase(k)) sys::write_file_atomic(file_, dump(reg), 0600);
}

std::optional<Block> Allocator::find(const std::string& id) const {
    Registry reg = load(file_);
    auto it = reg.find(key(id));
    if (it == reg.end()) return std::nullopt;
    return it->second.block;
}

}  // namespace ucrun::userns
