// cgroup v1 (and Hybrid): one directory per hierarchy
// (Documentation/admin-guide/cgroup-v1/cgroups.rst). In Hybrid the
// container also gets a directory in the (controller-less) cgroup2
// hierarchy at <mountpoint>/unified.
#include <fcntl.h>

#include <algorithm>
#include <csignal>

#include "cgroup/devices.hpp"
#include "cgroup/fsio.hpp"
#include "cgroup/impl.hpp"
#include "cgroup/path.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

struct H {
    std::vector<std::string> controllers;
    std::string mount_dir;
    std::string dir;
};

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    return s;
}

std::string under(const std::string& mount, const std::string& rel) { return rel == "/" ? mount : mount + rel; }

}  // namespace

class V1Manager final : public Manager {
public:
    Layout layout_ = Layout::V1;
    std::string path_;
    std::vector<H> hier_;
    std::string unified_mount_, unified_;  // Hybrid only
    bool leaves_removed_ = false;          // remove_if_empty removed every leaf: destroy() skips them
    std::vector<std::string> created_;
    mutable Fd unified_fd_;  // clone_fd(), opened once the directory exists

    Layout layout() const override { return layout_; }
    std::string path() const override { return path_; }

    const H* find(const std::string& controller) const {
        for (const auto& h : hier_)
            for (const auto& c : h.controllers)
                if (c == controller) return &h;
        return nullptr;
    }
    std::string dir_of(const std::string& controller) const {
        const H* h = find(controller);
        return h ? h->dir : "";
    }
    DirOf dir_fn() const {
        return [this](const std::string& c) { return dir_of(c); };
    }

    std::map<std::string, std::string> dirs() const override {
        std::map<std::string, std::string> m;
        for (const auto& h : hier_)
            for (const auto& c : h.controllers) m[c] = h.dir;
        if (!unified_.empty()) m[""] = unified_;
        return m;
    }

    void remember(const std::vector<std::string>& dirs) {
        for (const auto& d : dirs)
            if (std::find(created_.begin(), created_.end(), d) == created_.end()) created_.push_back(d);
    }

    bool plan() override {
        bool absent = true;
        auto one = [&](const std::string& dir) {
            auto missing = missing_dirs(dir);  // empty: `dir` exists
            absent = absent && !missing.empty();
            remember(missing);
        };
        for (const auto& h : hier_) one(h.dir);
        if (!unified_.empty()) one(unified_);
        return absent;
    }

    void create() override {
        for (const auto& h : hier_) {
            const auto made = mkdir_p(h.dir);
            remember(made);
            if (find("cpuset") == &h) init_cpuset(h, made);
        }
        if (!unified_.empty()) remember(mkdir_p(unified_));
    }

    // A new v1 cpuset has empty cpus/mems and then takes no tasks: copy the
    // parent's, from the hierarchy root down (runc cpusetEnsureParent). A
    // directory in `made` was just made, so empty: not read first.
    static void init_cpuset(const H& h, const std::vector<std::string>& made) {
        if (h.dir.size() <= h.mount_dir.size()) return;
        std::string cur = h.mount_dir;
        for (const auto& part : split(h.dir.substr(h.mount_dir.size() + 1), '/')) {
            std::string parent = cur;
            cur += "/" + part;
            const bool fresh = std::find(made.begin(), made.end(), cur) != made.end();
            for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
                if (!fresh && !trim(read_file(cur + "/" + f)).empty()) continue;
                write_file(cur + "/" + f, trim(read_file(parent + "/" + f)));
            }
        }
    }

    // Hybrid: the unified leaf, which clone3 places the process in
    // (Manager::clone_fd); its v1 hierarchies it places itself in.
    int clone_fd() const override {
        if (unified_.empty()) return -1;
        if (!unified_fd_) {
            unified_fd_.reset(::open(unified_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!unified_fd_) throw_errno("open " + unified_);
        }
        return unified_fd_.get();
    }

    void apply(const oci::Resources& r, bool initial) override {
        FileProbe probe(dir_fn());
        apply_writes(translate_v1(r, probe, initial), dir_fn(), false);
    }

    std::vector<JoinFile> open_join_files() const override {
        std::vector<JoinFile> fds;
        auto open_one = [&](const H& h) {
            std::string f = h.dir + "/tasks";
            Fd fd(::open(f.c_str(), O_WRONLY | O_CLOEXEC));
            if (!fd && (errno == EACCES || errno == EPERM)) {
                const int err = errno;
                std::string procs = h.dir + "/cgroup.procs";
                fd.reset(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
                if (fd) f = std::move(procs);
                else errno = err;
            }
            if (!fd) throw_errno("open " + f);
            fds.push_back({std::move(f), std::move(fd)});
        };
        const H* freezer = find("freezer");
        for (const auto& h : hier_)
            if (&h != freezer) open_one(h);
        if (freezer) open_one(*freezer);
        return fds;
    }

    std::string freezer() const {
        std::string d = dir_of("freezer");
        if (d.empty()) throw Error("cannot freeze: no freezer cgroup hierarchy is mounted");
        return d;
    }

    void freeze() override {
        // freezer-subsystem.rst: FREEZING means "not yet"; new tasks can keep
        // it there, so retry, thawing now and then (runc fs/freezer.go).
        std::string d = freezer();
        for (int i = 0; i < 1000; ++i) {
            if (i % 50 == 49) {
                write_file_errno(d + "/freezer.state", "THAWED");
                wait_until([] { return false; }, 10);
            }
            write_file(d + "/freezer.state", "FROZEN");
            std::string st = trim(read_file(d + "/freezer.state"));
            if (st == "FROZEN") return;
            if (st != "FREEZING") throw Error("freeze " + d + ": unexpected state " + st);
        }
        write_file_errno(d + "/freezer.state", "THAWED");
        throw Error("freeze " + d + ": stuck in FREEZING");
    }

    void thaw() override { write_file(freezer() + "/freezer.state", "THAWED"); }

    bool frozen() const override {
        std::string d = dir_of("freezer");
        if (d.empty()) return false;
        auto s = try_read(d + "/freezer.state");
        return s && trim(*s) == "FROZEN";
    }

    std::string pid_dir() const {
        for (const char* c : {"freezer", "devices", "memory", "pids"})
            if (auto d = dir_of(c); !d.empty()) return d;
        return hier_.empty() ? unified_ : hier_.front().dir;
    }

    std::vector<pid_t> pids() const override {
        // Every hierarchy: a process places itself in one hierarchy after
        // the other (Manager::open_join_files), so a create killed midway leaves
        // its init in only some of them.
        std::vector<pid_t> all = pids_recursive(pid_dir());
        auto add = [&](const std::string& dir) {
            for (pid_t p : pids_recursive(dir))
                if (std::find(all.begin(), all.end(), p) == all.end()) all.push_back(p);
        };
        for (const auto& h : hier_)
            if (h.dir != pid_dir()) add(h.dir);
        if (!unified_.empty()) add(unified_);
        return all;
    }

    void kill_all(int sig) override {
        // cgroup.kill (Linux 5.14) in the unified dir of Hybrid; it reaches
        // only what the unified dir holds, so every pid of the v1
        // hierarchies is signalled as well (SIGKILL needs no freezing).
        if (sig == SIGKILL && !unified_.empty()) {
            int err = write_file_errno(unified_ + "/cgroup.kill", "1");
            if (err != 0 && !kill_file_unusable(err)) throw SysError("write " + unified_ + "/cgroup.kill = 1", err);
            if (err == 0) {
                for (pid_t p : pids()) ::kill(p, SIGKILL);  // ESRCH: already gone
                return;
            }
        }
        bool froze = false;
        if (!dir_of("freezer").empty()) {
            try {
                freeze();
                froze = true;
            } catch (const std::exception&) {
            }
        }
        for (pid_t p : pids()) ::kill(p, sig);  // ESRCH: already gone
        if (froze) thaw();
    }

    nlohmann::json stats() const override { return stats_v1(dir_fn()); }

    uint64_t oom_kill_count() const override {
        auto d = dir_of("memory");
        if (d.empty()) return 0;
        auto s = try_read(d + "/memory.oom_control");
        if (!s) return 0;
        auto kv = parse_keyed(*s);
        auto it = kv.find("oom_kill");
        return it == kv.end() ? 0 : it->second;
    }

    void destroy() override {
        std::optional<SysError> first;
        auto rm = [&](const std::string& d) {
            try {
                remove_cgroup(d);
            } catch (const SysError& e) {
                if (!first && !joined_and_not_ours(e.code(), created_, d)) first = e;
            }
        };
        if (!leaves_removed_) {
            for (const auto& h : hier_) rm(h.dir);
            if (!unified_.empty()) rm(unified_);
        }
        // The parents this container made, if empty now; its own dirs are
        // gone already (no second rmdir of each).
        auto own = [&](const std::string& d) {
            if (d == unified_) return true;
            for (const auto& h : hier_)
                if (h.dir == d) return true;
            return false;
        };
        for (auto it = created_.rbegin(); it != created_.rend(); ++it)
            if (!own(*it)) ::rmdir(it->c_str());
        created_.clear();
        if (first) throw *first;
    }

    bool remove_if_empty() override {
        bool gone = true;
        auto rm = [&](const std::string& d) { gone = (::rmdir(d.c_str()) == 0 || errno == ENOENT) && gone; };
        for (const auto& h : hier_) rm(h.dir);
        if (!unified_.empty()) rm(unified_);
        leaves_removed_ = gone;
        return gone;
    }

    void chown(uid_t, gid_t) override {}  // spec: not on v1

    bool exists() const override {
        for (const auto& h : hier_)
            if (path_exists(h.dir)) return true;
        // Hybrid: the unified dir may outlive the v1 ones (remove_if_empty
        // removed those), and what is left in it must still be found.
        return !unified_.empty() && path_exists(unified_);
    }

    std::vector<MountSpec> mounts() const override {
        std::vector<MountSpec> out;
        for (const auto& h : hier_) {
            MountSpec m;
            m.fstype = "cgroup";
            m.subdir = basename(h.mount_dir);
            m.data = joined(h.controllers);
            m.host_dir = h.dir;
            if (h.controllers.size() > 1)
                for (const auto& c : h.controllers)
                    if (c != m.subdir) m.links.push_back(c);
            out.push_back(std::move(m));
        }
        if (!unified_.empty()) out.push_back(MountSpec{"cgroup2", "unified", "", unified_, {}});
        return out;
    }

    std::optional<Saved> save() const override {
        Saved s;
        s.layout = to_string(layout_);
        s.path = path_;
        for (const auto& h : hier_) s.hierarchies.push_back(SavedHierarchy{h.controllers, h.mount_dir, h.dir});
        s.unified_mount = unified_mount_;
        s.unified = unified_;
        s.created = created_;
        return s;
    }
};

std::unique_ptr<Manager> make_v1(Layout layout, const std::string& inner, const std::string& mountpoint) {
    auto m = std::make_unique<V1Manager>();
    m->layout_ = layout;
    std::string proc_cgroup = read_file("/proc/self/cgroup");
    for (const auto& h : parse_v1_hierarchies(read_file("/proc/self/mountinfo"), proc_cgroup, mountpoint))
        m->hier_.push_back(H{h.controllers, h.mount_dir, under(h.mount_dir, resolve(inner, h.own, false))});
    // runc: without the devices hierarchy the container would get every
    // device, which is fatal.
    if (!m->find("devices")) throw Error("cgroup v1: no devices cgroup hierarchy is mounted under " + mountpoint);
    const H* main = m->find("memory");
    if (!main) main = &m->hier_.front();
    m->path_ = main->dir.size() > main->mount_dir.size() ? main->dir.substr(main->mount_dir.size()) : "/";
    if (layout == Layout::Hybrid) {
        m->unified_mount_ = mountpoint + "/unified";
        m->unified_ = under(m->unified_mount_, resolve(inner, own_v2_path(proc_cgroup), true));
    }
    return m;
}

std::unique_ptr<Manager> restore_v1(Layout layout, const Saved& s) {
    auto m = std::make_unique<V1Manager>();
    m->layout_ = layout;
    m->path_ = s.path;
    for (const auto& h : s.hierarchies) m->hier_.push_back(H{h.controllers, h.mount, h.dir});
    m->unified_mount_ = s.unified_mount;
    m->unified_ = s.unified;
    m->created_ = s.created;
    return m;
}

}  // namespace ucrun::cgroup
