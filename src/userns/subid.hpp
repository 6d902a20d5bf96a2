// Subordinate id ranges (subuid(5), subgid(5)) and the host's user and group
// databases, as the user-namespace remap reads them (issue 12 item 2).
//
// Parsing is pure (text in, entries out) and separate from reading files, so
// that every malformed input is unit-tested without touching /etc.
//
// /etc/passwd and /etc/group are read directly with a small parser instead
// of getpwnam_r/getgrnam_r: ucrun is a static binary, and glibc's NSS in a
// static binary dlopens the host's libnss_* modules (or silently finds
// nothing), so the "files" database is the only one we can trust. Users
// known only to LDAP/sssd are out of reach; name them by numeric id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ucrun::userns {

// [start, start + count). Invariant of every range that leaves the parser:
// count > 0, start > 0 (a range holding host id 0 would map host root into
// the container), start + count <= 2^32 - 1 (the id (uid_t)-1 means "no
// change" to chown/setresuid and is never a real id).
struct IdRange {
    uint32_t start = 0;
    uint32_t count = 0;
    uint64_t end() const { return uint64_t(start) + count; }
    bool operator==(const IdRange&) const = default;
};

inline constexpr uint64_t kIdLimit = 0xFFFFFFFFull;  // first id no range may reach

struct SubidEntry {
    std::string owner;  // as written: a name or a numeric id
    IdRange range;
    unsigned line = 0;  // 1-based
};

// Malformed lines are skipped, not fatal, and reported here as
// "<file>:<line>: <why>": one bad line written for another user must not
// stop every container on the host (shadow's libsubid skips them too), yet
// the operator must be told. ranges_for() puts them in its error when the
// user ends up with no range.
struct SubidFile {
    std::vector<SubidEntry> entries;
    std::vector<std::string> problems;
};

// Parses subuid/subgid text: "owner:start:count" lines, '#' comments (whole
// lines), blank lines; surrounding blanks of a line are ignored. `file`
// only names the source in problems.
SubidFile parse_subid(std::string_view text, const std::string& file);
// Reads and parses `path`; an absent file is empty (no ranges).
SubidFile read_subid(const std::string& path);

// One line of /etc/passwd or /etc/group: "name:pw:id:...".
struct DbEntry {
    std::string name;
    uint32_t id = 0;
};
// Malformed lines (fewer than 3 fields, bad id) are ignored, as glibc's
// files backend ignores them; "+"/"-" NIS compat lines too.
std::vector<DbEntry> parse_id_db(std::string_view text);
std::vector<DbEntry> read_id_db(const std::string& path);  // absent: empty
const DbEntry* find_name(const std::vector<DbEntry>& db, std::string_view name);
const DbEntry* find_id(const std::vector<DbEntry>& db, uint32_t id);
// A decimal id without sign, leading blanks or overflow, below kIdLimit.
std::optional<uint32_t> parse_id(std::string_view s);

// Where the host's files are: "" = the real /etc; tests pass a temporary
// directory holding etc/passwd, etc/group, etc/subuid, etc/subgid (the
// layout of `useradd --prefix`).
struct HostFiles {
    std::string prefix;
    std::string passwd() const { return prefix + "/etc/passwd"; }
    std::string group() const { return prefix + "/etc/group"; }
    std::string subuid() const { return prefix + "/etc/subuid"; }
    std::string subgid() const { return prefix + "/etc/subgid"; }
};

// A user's subordinate ranges, resolved.
struct Ranges {
    std::string user, group;       // names (or the numeric id when unnamed)
    std::string subuid, subgid;    // the files read, for messages
    std::vector<IdRange> uids, gids;  // in file order, as written
};

// The ranges of `user` (a name or a numeric uid) in subuid and subgid, or,
// when `group` is given (dockerd's USER:GROUP), of that group in subgid.
// An entry matches by name or by numeric id, so "ucrun:..." and "999:..."
// both belong to user ucrun with uid 999 (without `group`, numeric subgid
// owners are uids, as shadow's newgidmap reads them). A name unknown to
// passwd/group is still looked up by name. Throws ucrun::Error naming the
// user and the files (with their skipped lines) when either side is empty,
// and naming the file and line of a range that holds the id of an account
// of passwd (uids) or group (gids): mapping container root onto a real
// user would give the container that user's files.
Ranges ranges_for(const std::string& user, const std::string& group = {}, const HostFiles& files = {});

// The four files ranges_for reads, read once by a caller that needs them
// too (userns/default_user.cpp), and ranges_for's answer from them.
struct IdFiles {
    SubidFile subuid, subgid;
    std::vector<DbEntry> passwd, group;
};
IdFiles read_id_files(const HostFiles& files);
Ranges ranges_in(const std::string& user, const std::string& group, const HostFiles& files, const IdFiles& read);

}  // namespace ucrun::userns
