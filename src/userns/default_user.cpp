#include "userns/default_user.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/tool.hpp"

namespace ucrun::userns {

uint32_t range_start_above(const SubidFile& subuid, const SubidFile& subgid, uint32_t size, uint64_t floor) {
    uint64_t top = std::max<uint64_t>(kMinStart, floor);
    for (const auto* f : {&subuid, &subgid})
        for (const auto& e : f->entries) top = std::max(top, e.range.end());
    uint64_t start = (top + kRangeAlign - 1) / kRangeAlign * kRangeAlign;
    if (size == 0 || start + size > kIdLimit)
        throw Error("no room for " + std::to_string(size) + " subordinate ids above " + std::to_string(top) +
                    " (the end of the highest range in the subuid and subgid files, or the highest account id)"
                    " below 4294967295");
    return uint32_t(start);
}

namespace {

// shadow's commonio lock on `path`: write our pid to <path>.<pid>, then
// link(2) it to <path>.lock, which succeeds for one process only; a lock
// whose pid is dead is stale and removed. The tools (useradd, usermod,
// newusers) use the same files, so we and they exclude each other.
class ShadowLock {
public:
    explicit ShadowLock(std::string path) : lock_(path + ".lock") {
        std::string mine = path + "." + std::to_string(::getpid());
        {
            Fd fd(::open(mine.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
            if (!fd) throw_errno("create " + mine);
            if (!sys::write_all(fd.get(), std::to_string(::getpid()))) {
                int err = errno;
                ::unlink(mine.c_str());
                throw_errno("write " + mine, err);
            }
        }
        // shadow retries for about 15 s; so do we (150 x 100 ms).
        for (int i = 0; i < 150; ++i) {
            if (::link(mine.c_str(), lock_.c_str()) == 0) {
                ::unlink(mine.c_str());
                return;
            }
            if (errno != EEXIST) {
                int err = errno;
                ::unlink(mine.c_str());
                throw_errno("link " + mine + " to " + lock_, err);
            }
            if (stale()) {
                ::unlink(lock_.c_str());
                continue;
            }
            ::usleep(100000);
        }
        ::unlink(mine.c_str());
        throw Error(lock_ + ": locked by another process (useradd, usermod, vipw?) for 15 s");
    }
    ~ShadowLock() { ::unlink(lock_.c_str()); }
    ShadowLock(const ShadowLock&) = delete;
    ShadowLock& operator=(const ShadowLock&) = delete;

private:
    bool stale() const {
        std::string text;
        try {
            text = sys::read_file(lock_);
        } catch (const SysError&) {
            return false;  // gone meanwhile: the next link() tells
        }
        auto pid = parse_id(text.substr(0, text.find_first_of("\n ")));
        return pid && *pid > 0 && ::kill(pid_t(*pid), 0) < 0 && errno == ESRCH;
    }
    std::string lock_;
};

// The shadow tools, from Debian's passwd package.
void run(const std::vector<std::string>& argv) {
    sys::run_tool(argv, "Debian's passwd package", "to create the remap user");
}

std::vector<std::string> with_prefix(std::vector<std::string> argv, const HostFiles& files) {
    if (!files.prefix.empty()) argv.insert(argv.end() - 1, {"--prefix", files.prefix});
    return argv;
}

// Runs `argv` unless `name` is in `db`. Two ucruns creating the first
// remapped containers at once both find it missing and both run the tool;
// the loser's failure ("already exists") is fine when the entry is there.
void ensure_entry(const std::string& db, const std::string& name, const std::vector<std::string>& argv) {
    if (find_name(read_id_db(db), name)) return;
    try {
        run(argv);
    } catch (const std::exception&) {
        if (!find_name(read_id_db(db), name)) throw;
    }
}

bool has_range(const SubidFile& f, const std::string& name, uint32_t id) {
    for (const auto& e : f.entries)
        if (e.owner == name || parse_id(e.owner) == id) return true;
    return false;
}

// Appends `line` to `path` by rewriting it whole (temp file + rename), so a
// reader sees the old file or the new one, never half a line.
void append_line(const std::string& path, const std::string& line) {
    std::string text;
    unsigned mode = 0644;
    try {
        text = sys::read_file(path);
        struct stat st{};
        if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    } catch (const SysError& e) {
        if (e.code() != ENOENT) throw;
    }
    if (!text.empty() && text.back() != '\n') text += '\n';
    sys::write_file_atomic(path, text + line + "\n", mode);
}

}  // namespace

Ranges ensure_default_user(const HostFiles& files, const std::string& name, uint32_t size) {
    // The name goes to useradd's command line and into /etc: the portable
    // user-name set (useradd(8)), so that it is never an option or a field.
    bool ok = !name.empty() && name.size() <= 32 && name[0] != '-';
    for (char c : name) ok = ok && (std::isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.');
    if (!ok) throw Error("invalid user name \"" + name.substr(0, 40) + "\" for the remap user");
    // The usual case, every remapped create: the user, its group and both
    // ranges are there. Each of the four files read once (they were read
    // nine times: ~0.1 ms of a remapped `run`, tests/bench/PERFORMANCE.md,
    // twelfth pass), without locks, so that a remapped start writes
    // nothing to /etc (which may be read-only).
    {
        const IdFiles read = read_id_files(files);
        const DbEntry* user = find_name(read.passwd, name);
        if (user && find_name(read.group, name) && has_range(read.subuid, name, user->id) &&
            has_range(read.subgid, name, user->id))
            return ranges_in(name, {}, files, read);
    }
    ensure_entry(files.group(), name, with_prefix({"/usr/sbin/groupadd", "--system", name}, files));
    ensure_entry(files.passwd(), name,
                 with_prefix({"/usr/sbin/useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                              "--shell", "/usr/sbin/nologin", "--gid", name, name},
                             files));
    // The database outlives the pointer into it (a temporary here was
    // read after it was freed: found by tests/sanitize/run.sh).
    const auto passwd = read_id_db(files.passwd());
    const auto* user = find_name(passwd, name);
    if (!user) throw Error("user " + name + " is still missing from " + files.passwd() + " after useradd");
    uint32_t uid = user->id;
    // Both ranges there (the user or group was just made): read without
    // locking, as above; only a missing range takes shadow's locks, then
    // reads again under them.
    if (has_range(read_subid(files.subuid()), name, uid) && has_range(read_subid(files.subgid()), name, uid))
        return ranges_for(name, {}, files);
    {
        // shadow's order (subuid before subgid), so we cannot deadlock with it.
        ShadowLock lu(files.subuid());
        ShadowLock lg(files.subgid());
        // Read under the locks: what another writer appended counts.
        SubidFile su = read_subid(files.subuid());
        SubidFile sg = read_subid(files.subgid());
        bool need_u = !has_range(su, name, uid);
        bool need_g = !has_range(sg, name, uid);
        if (need_u || need_g) {
            // Above every account too: ranges_for refuses a range holding one.
            uint64_t floor = 0;
            for (const auto& db : {read_id_db(files.passwd()), read_id_db(files.group())})
                for (const auto& e : db) floor = std::max<uint64_t>(floor, uint64_t(e.id) + 1);
            std::string line = name + ":" + std::to_string(range_start_above(su, sg, size, floor)) + ":" +
                               std::to_string(size);
            if (need_u) append_line(files.subuid(), line);
            if (need_g) append_line(files.subgid(), line);
        }
    }
    return ranges_for(name, {}, files);
}

}  // namespace ucrun::userns
