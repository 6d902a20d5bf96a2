#include "userns/subid.hpp"

#include <cerrno>

#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::userns {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Splits on ':' into at most `max` + 1 fields (the last holds the rest).
std::vector<std::string_view> split(std::string_view s, size_t max) {
    std::vector<std::string_view> out;
    while (out.size() < max) {
        auto c = s.find(':');
        if (c == std::string_view::npos) break;
        out.push_back(s.substr(0, c));
        s.remove_prefix(c + 1);
    }
    out.push_back(s);
    return out;
}

// Calls f(line_number, line) for every line of `text`.
template <typename F>
void for_lines(std::string_view text, F&& f) {
    unsigned n = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        f(++n, line);
    }
}

// Printable, bounded: a line of the file is input, and goes to a terminal.
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > 64) out += "...";
    return out;
}

// Whether `name` could be a user name at all (no ':' by construction,
// no blanks or controls).
bool plausible_name(std::string_view name) {
    if (name.empty() || name.size() > 256) return false;
    for (char c : name)
        if (c <= 0x20 || c == 0x7f) return false;
    return true;
}

std::string read_or_empty(const std::string& path) {
    try {
        return sys::read_file(path);
    } catch (const SysError& e) {
        if (e.code() == ENOENT) return {};
        throw;
    }
}

}  // namespace

std::optional<uint32_t> parse_id(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint64_t(c - '0');
    }
    if (v >= kIdLimit) return std::nullopt;
    return uint32_t(v);
}

SubidFile parse_subid(std::string_view text, const std::string& file) {
    SubidFile out;
    for_lines(text, [&](unsigned n, std::string_view raw) {
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') return;
        auto bad = [&](const std::string& why) {
            out.problems.push_back(file + ":" + std::to_string(n) + ": " + why + ": \"" + shown(line) +
                                   "\" (line skipped)");
        };
        auto f = split(line, 3);
        if (f.size() != 3) return bad("expected owner:start:count");
        if (!plausible_name(f[0])) return bad("invalid owner");
        auto start = parse_id(f[1]);
        auto count = parse_id(f[2]);
        if (!start) return bad("start is not a decimal id below 4294967295");
        if (!count || *count == 0) return bad("count is not a positive decimal number");
        if (*start == 0) return bad("range starts at 0 and would map host root");
        if (uint64_t(*start) + *count > kIdLimit) return bad("start + count exceeds 4294967295");
        out.entries.push_back({std::string(f[0]), {*start, *count}, n});
    });
    return out;
}

SubidFile read_subid(const std::string& path) { return parse_subid(read_or_empty(path), path); }

std::vector<DbEntry> parse_id_db(std::string_view text) {
    std::vector<DbEntry> out;
    for_lines(text, [&](unsigned, std::string_view line) {
        if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-') return;
        auto f = split(line, 3);
        if (f.size() < 3 || !plausible_name(f[0])) return;
        if (auto id = parse_id(f[2])) out.push_back({std::string(f[0]), *id});
    });
    return out;
}

std::vector<DbEntry> read_id_db(const std::string& path) { return parse_id_db(read_or_empty(path)); }

const DbEntry* find_name(const std::vector<DbEntry>& db, std::string_view name) {
    for (const auto& e : db)
        if (e.name == name) return &e;
    return nullptr;
}

const DbEntry* find_id(const std::vector<DbEntry>& db, uint32_t id) {
    for (const auto& e : db)
        if (e.id == id) return &e;
    return nullptr;
}

namespace {

// The ranges in `file` owned by `who` (a name or a numeric id), resolved
// through `db` so that either spelling in the file matches.
std::vector<const SubidEntry*> owned(const SubidFile& file, const std::vector<DbEntry>& db, const std::string& who,
                                     std::string& name) {
    std::optional<uint32_t> id = parse_id(who);
    name = who;
    if (id) {
        if (auto* e = find_id(db, *id)) name = e->name;
    } else if (auto* e = find_name(db, who)) {
        id = e->id;
    }
    std::vector<const SubidEntry*> out;
    for (const auto& e : file.entries) {
        bool match = e.owner == name || (id && parse_id(e.owner) == id);
        if (match) out.push_back(&e);
    }
    return out;
}

// The ranges of `entries`, refusing one that holds the id of an account of
// `db` (passwd for uids, group for gids): container root mapped onto a
// real user (a typo like "ucrun:1000:65536") would own that user's files.
std::vector<IdRange> checked(const std::vector<const SubidEntry*>& entries, const std::vector<DbEntry>& db,
                             const std::string& path, const char* kind) {
    std::vector<IdRange> out;
    for (const auto* e : entries) {
        for (const auto& acct : db)
            if (acct.id >= e->range.start && acct.id < e->range.end())
                throw Error(path + ":" + std::to_string(e->line) + ": subordinate range " +
                            std::to_string(e->range.start) + "-" + std::to_string(e->range.end() - 1) + " of " +
                            e->owner + " holds " + kind + " " + std::to_string(acct.id) + " of " + acct.name +
                            ": a remapped container would own its files");
        out.push_back(e->range);
    }
    return out;
}

std::string no_range(const std::string& kind, const std::string& who, const std::string& path,
                     const SubidFile& f) {
    std::string msg = "no subordinate " + kind + " range for " + who + " in " + path;
    for (const auto& p : f.problems) msg += "; " + p;
    return msg;
}

}  // namespace

IdFiles read_id_files(const HostFiles& files) {
    return IdFiles{read_subid(files.subuid()), read_subid(files.subgid()), read_id_db(files.passwd()),
                   read_id_db(files.group())};
}

Ranges ranges_for(const std::string& user, const std::string& group, const HostFiles& files) {
    if (user.empty()) throw Error("remap user is empty");  // before reading /etc
    return ranges_in(user, group, files, read_id_files(files));
}

Ranges ranges_in(const std::string& user, const std::string& group, const HostFiles& files, const IdFiles& read) {
    if (user.empty()) throw Error("remap user is empty");
    Ranges r;
    r.subuid = files.subuid();
    r.subgid = files.subgid();
    const SubidFile& su = read.subuid;
    const SubidFile& sg = read.subgid;
    const auto& passwd = read.passwd;
    const auto& groups = read.group;
    auto u = owned(su, passwd, user, r.user);
    // Without a group, subgid entries belong to the user, numeric ones by
    // uid, as shadow's newgidmap reads them; with one, to that group
    // (dockerd's USER:GROUP).
    auto g = group.empty() ? owned(sg, passwd, user, r.group) : owned(sg, groups, group, r.group);
    if (u.empty()) throw Error(no_range("uid", "user " + r.user, r.subuid, su));
    if (g.empty()) throw Error(no_range("gid", "group " + r.group, r.subgid, sg));
    r.uids = checked(u, passwd, r.subuid, "uid");
    r.gids = checked(g, groups, r.subgid, "gid");
    return r;
}

}  // namespace ucrun::userns
