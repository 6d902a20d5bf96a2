#include "userns/joined.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>

#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "userns/idmap.hpp"

namespace ucrun::userns {

std::vector<oci::IDMapping> parse_map(const std::string& text, const std::string& file) {
    std::vector<oci::IDMapping> out;
    auto bad = [&] { return Error(file + ": not a user namespace map: " + oci::excerpt(text)); };
    std::string_view rest = text;
    while (auto l = next_map_line(rest)) {
        if (l->first > UINT32_MAX || l->lower > UINT32_MAX || l->count > UINT32_MAX) throw bad();
        out.push_back({static_cast<uint32_t>(l->first), static_cast<uint32_t>(l->lower), static_cast<uint32_t>(l->count)});
    }
    if (!rest.empty()) throw bad();
    return out;
}

bool same_mapping(std::vector<oci::IDMapping> a, std::vector<oci::IDMapping> b) {
    auto key = [](const oci::IDMapping& m) { return std::tie(m.containerID, m.hostID, m.size); };
    auto less = [&](const oci::IDMapping& x, const oci::IDMapping& y) { return key(x) < key(y); };
    std::sort(a.begin(), a.end(), less);
    std::sort(b.begin(), b.end(), less);
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](const oci::IDMapping& x, const oci::IDMapping& y) { return key(x) == key(y); });
}

std::string describe(const std::vector<oci::IDMapping>& m) {
    if (m.empty()) return "none";
    std::string s;
    for (const auto& e : m)
        s += (s.empty() ? "" : ",") + std::to_string(e.containerID) + ":" + std::to_string(e.hostID) + ":" +
             std::to_string(e.size);
    return s;
}

namespace {

// "/proc/<digits>/ns/user" -> "/proc/<digits>"; empty otherwise.
std::string proc_dir_of(const std::string& path) {
    const std::string head = "/proc/", tail = "/ns/user";
    if (path.size() <= head.size() + tail.size() || path.compare(0, head.size(), head) != 0 ||
        path.compare(path.size() - tail.size(), tail.size(), tail) != 0)
        return {};
    const std::string pid = path.substr(head.size(), path.size() - head.size() - tail.size());
    if (pid.empty() || pid.size() > 10 || !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {};
    return head + pid;
}

Maps read_at(int dirfd, const std::string& dir, const std::string& field) {
    Maps m;
    for (auto [file, out] : {std::pair{"uid_map", &m.uids}, std::pair{"gid_map", &m.gids}}) {
        const std::string name = dir + "/" + file;
        try {
            *out = parse_map(sys::read_file_at(dirfd, file), name);
        } catch (const SysError& e) {
            throw ConfigError(field, "read " + name, e.code());
        }
    }
    return m;
}

// A child parked in the user namespace until the maps are read: it reports
// setns's result, then waits for EOF on `wake`; killed and reaped on every
// path.
struct Parked {
    pid_t pid = -1;
    Fd wake;
    ~Parked() {
        wake.reset();
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
};

Maps read_through_child(int nsfd, const std::string& path, const std::string& field) {
    int r[2], w[2];
    if (::pipe2(r, O_CLOEXEC) < 0) throw_errno("pipe");
    Fd report_rd(r[0]), report_wr(r[1]);
    if (::pipe2(w, O_CLOEXEC) < 0) throw_errno("pipe");
    Fd wake_rd(w[0]);
    Parked child;
    child.wake.reset(w[1]);
    child.pid = ::fork();
    if (child.pid < 0) throw_errno("fork to read the mappings of " + path);
    if (child.pid == 0) {
        // Single-threaded after fork, as setns(CLONE_NEWUSER) requires.
        int err = ::setns(nsfd, CLONE_NEWUSER) < 0 ? errno : 0;
        if (::write(report_wr.get(), &err, sizeof err) != sizeof err) ::_exit(1);
        ::close(w[1]);
        char c;
        while (::read(wake_rd.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    report_wr.reset();
    wake_rd.reset();
    int err = 0;
    ssize_t n;
    while ((n = ::read(report_rd.get(), &err, sizeof err)) < 0 && errno == EINTR) {
    }
    if (n != sizeof err) throw ConfigError(field, "read the mappings of user namespace " + path + ": the helper died");
    if (err) throw ConfigError(field, "join user namespace " + path + " to read its mappings", err);
    // Read by us, not by the child: the ids are then those of ucrun's own
    // user namespace (user_namespaces(7), "/proc/[pid]/uid_map").
    const std::string dir = "/proc/" + std::to_string(child.pid);
    Fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd) throw ConfigError(field, "open " + dir, errno);
    return read_at(dirfd.get(), dir, field);
}

}  // namespace

Maps read_maps(const std::string& path, const std::string& field) {
    if (const std::string dir = proc_dir_of(path); !dir.empty()) {
        // A descriptor of /proc/<pid> stays with that process: if it exits
        // and the pid is reused, the reads fail (ESRCH) rather than show
        // another process's namespace.
        Fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dirfd) throw ConfigError(field, "open " + dir, errno);
        return read_at(dirfd.get(), dir, field);
    }
    Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!ns) throw ConfigError(field, "open user namespace " + path, errno);
    int type = ::ioctl(ns.get(), NS_GET_NSTYPE);
    if (type != CLONE_NEWUSER) throw ConfigError(field, path + " is not a user namespace");
    // setns into the namespace one is in fails (EINVAL): read our own.
    struct stat a, b;
    if (::fstat(ns.get(), &a) == 0 && ::stat("/proc/self/ns/user", &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        Fd self(::open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!self) throw ConfigError(field, "open /proc/self", errno);
        return read_at(self.get(), "/proc/self", field);
    }
    return read_through_child(ns.get(), path, field);
}

void check_joined_mappings(const oci::Linux& l) {
    if (l.uidMappings.empty() && l.gidMappings.empty()) return;
    size_t index = 0;
    while (index < l.namespaces.size() && l.namespaces[index].type != "user") ++index;
    if (index == l.namespaces.size() || !l.namespaces[index].path) return;
    const std::string& path = *l.namespaces[index].path;
    const std::string field = "linux.namespaces[" + std::to_string(index) + "].path";
    const Maps ns = read_maps(path, field);
    auto check = [&](const std::vector<oci::IDMapping>& cfg, const std::vector<oci::IDMapping>& actual,
                     const char* name) {
        if (cfg.empty() || same_mapping(cfg, actual)) return;
        throw oci::SpecError("config.json", name,
                             "differs from the mapping of the user namespace joined at " + path + " (" + field +
                                 "): config.json has " + describe(cfg) + ", the namespace has " + describe(actual) +
                                 " (containerID:hostID:size)");
    };
    check(l.uidMappings, ns.uids, "linux.uidMappings");
    check(l.gidMappings, ns.gids, "linux.gidMappings");
}

}  // namespace ucrun::userns
