// cgroup v2: one directory in the unified hierarchy
// (Documentation/admin-guide/cgroup-v2.rst).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "cgroup/bpf.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/fsio.hpp"
#include "cgroup/impl.hpp"
#include "cgroup/path.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::cgroup {

class V2Manager final : public Manager {
public:
    std::string mount_, dir_, path_;
    std::vector<std::string> created_;
    mutable Fd fd_;
    bool leaf_removed_ = false;  // by remove_if_empty: destroy() skips it

    Layout layout() const override { return Layout::V2; }
    std::string path() const override { return path_; }
    std::map<std::string, std::string> dirs() const override { return {{"", dir_}}; }
    DirOf dir_fn() const {
        return [this](const std::string&) { return dir_; };
    }

    // "Top-down Constraint": a controller is usable in a cgroup only when
    // every ancestor has it in cgroup.subtree_control. Enable all the
    // available ones on the way down; failures are ignored here and surface
    // when a file is written (runc fs2 CreateCgroupPath).
    static void enable_controllers(const std::string& dir) {
        auto avail = try_read(dir + "/cgroup.controllers");
        if (!avail) return;
        std::string all;
        for (const auto& c : fields(*avail)) all += (all.empty() ? "+" : " +") + c;
        if (all.empty() || write_file_errno(dir + "/cgroup.subtree_control", all) == 0) return;
        for (const auto& c : fields(*avail)) write_file_errno(dir + "/cgroup.subtree_control", "+" + c);
    }

    bool plan() override {
        const auto missing = missing_dirs(dir_);  // empty: dir_ exists
        for (const auto& d : missing)
            if (std::find(created_.begin(), created_.end(), d) == created_.end()) created_.push_back(d);
        return !missing.empty();
    }

    void create() override {
        std::string cur = mount_;
        std::string rest = dir_.size() > mount_.size() ? dir_.substr(mount_.size() + 1) : "";
        for (const auto& part : rest.empty() ? std::vector<std::string>{} : split(rest, '/')) {
            enable_controllers(cur);
            cur += "/" + part;
            for (const auto& d : mkdir_p(cur))
                if (std::find(created_.begin(), created_.end(), d) == created_.end()) created_.push_back(d);
        }
        fd_.reset();
        clone_fd();
    }

    int clone_fd() const override {
        if (!fd_) {
            fd_.reset(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!fd_) throw_errno("open " + dir_);
        }
        return fd_.get();
    }

    void set_devices(const oci::Resources& r) {
        auto prog = device_program(DeviceState::from(device_rules(r.devices)));
        Fd p = load_device_program(prog);
        Fd d(::open(dir_.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        if (!d) throw SysError("open " + dir_, errno);
        attach_device_program(d.get(), p.get(), dir_);
    }

    void apply(const oci::Resources& r, bool initial) override {
        // On update, no rules means "leave the devices as they are".
        if (initial || !r.devices.empty()) set_devices(r);
        FileProbe probe(dir_fn());
        apply_writes(translate_v2(r, probe), dir_fn(), true);
    }

    bool events_frozen() const {
        auto ev = try_read(dir_ + "/cgroup.events");
        if (!ev) return false;
        auto kv = parse_keyed(*ev);
        auto it = kv.find("frozen");
        return it != kv.end() && it->second == 1;
    }

    void freeze() override {
        // cgroup-v2.rst "cgroup.freeze": the cgroup is frozen once
        // cgroup.events says "frozen 1".
        write_file(dir_ + "/cgroup.freeze", "1");
        if (!wait_until([this] { return events_frozen(); }, 10000)) {
            write_file_errno(dir_ + "/cgroup.freeze", "0");
            throw Error("freeze " + dir_ + ": timed out waiting for cgroup.events \"frozen 1\"");
        }
    }

    void thaw() override { write_file(dir_ + "/cgroup.freeze", "0"); }

    bool frozen() const override {
        auto s = try_read(dir_ + "/cgroup.freeze");
        return s && trim(*s) == "1";
    }

    std::vector<pid_t> pids() const override { return pids_recursive(dir_); }

    void kill_all(int sig) override {
        if (sig == SIGKILL) {  // cgroup.kill: Linux 5.14
            int err = write_file_errno(dir_ + "/cgroup.kill", "1");
            if (err == 0) return;
            if (!kill_file_unusable(err)) throw SysError("write " + dir_ + "/cgroup.kill = 1", err);
        }
        bool froze = false;
        try {
            freeze();
            froze = true;
        } catch (const std::exception&) {
        }
        for (pid_t p : pids()) ::kill(p, sig);
        if (froze) thaw();
    }

    nlohmann::json stats() const override { return stats_v2(dir_); }

    uint64_t oom_kill_count() const override {
        auto s = try_read(dir_ + "/memory.events");
        if (!s) return 0;
        auto kv = parse_keyed(*s);
        auto it = kv.find("oom_kill");
        return it == kv.end() ? 0 : it->second;
    }

    bool remove_if_empty() override {
        leaf_removed_ = ::rmdir(dir_.c_str()) == 0 || errno == ENOENT;
        return leaf_removed_;
    }

    void destroy() override {
        fd_.reset();
        if (!leaf_removed_) {
            try {
                remove_cgroup(dir_);
            } catch (const SysError& e) {
                if (!joined_and_not_ours(e.code(), created_, dir_)) throw;
            }
        }
        for (auto it = created_.rbegin(); it != created_.rend(); ++it)
            if (*it != dir_) ::rmdir(it->c_str());  // the parents it made, if empty
        created_.clear();
    }

    bool exists() const override { return path_exists(dir_); }

    void chown(uid_t uid, gid_t gid) override {
        if (::lchown(dir_.c_str(), uid, gid) < 0) throw SysError("chown " + dir_, errno);
        std::vector<std::string> files;
        if (auto d = try_read("/sys/kernel/cgroup/delegate"))
            files = fields(*d);
        else
            files = {"cgroup.procs", "cgroup.subtree_control", "cgroup.threads"};
        for (const auto& f : files) {
            std::string p = dir_ + "/" + f;
            if (::lchown(p.c_str(), uid, gid) < 0 && errno != ENOENT) throw SysError("chown " + p, errno);
        }
    }

    std::vector<MountSpec> mounts() const override { return {MountSpec{"cgroup2", "", "", dir_, {}}}; }

    std::optional<Saved> save() const override {
        Saved s;
        s.layout = to_string(Layout::V2);
        s.path = path_;
        s.mount = mount_;
        s.dir = dir_;
        s.created = created_;
        return s;
    }
};

std::unique_ptr<Manager> make_v2(const std::string& inner, const std::string& mountpoint) {
    auto m = std::make_unique<V2Manager>();
    m->mount_ = mountpoint;
    m->path_ = resolve(inner, own_v2_path(read_file("/proc/self/cgroup")), true);
    m->dir_ = m->path_ == "/" ? mountpoint : mountpoint + m->path_;
    return m;
}

std::unique_ptr<Manager> restore_v2(const Saved& s) {
    auto m = std::make_unique<V2Manager>();
    m->mount_ = s.mount;
    m->dir_ = s.dir;
    m->path_ = s.path;
    m->created_ = s.created;
    return m;
}

}  // namespace ucrun::cgroup
