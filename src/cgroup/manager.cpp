#include "cgroup/manager.hpp"

#include <unistd.h>

#include "cgroup/impl.hpp"
#include "cgroup/path.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

// manager "disabled": no cgroup at all.
class NoopManager final : public Manager {
public:
    Layout layout() const override { return Layout::V2; }
    bool enabled() const override { return false; }
    std::string path() const override { return ""; }
    std::map<std::string, std::string> dirs() const override { return {}; }
    void create() override {}
    int clone_fd() const override { return -1; }
    void apply(const oci::Resources&, bool) override {}
    void freeze() override { throw Error("cannot pause: the cgroup manager is disabled"); }
    void thaw() override { throw Error("cannot resume: the cgroup manager is disabled"); }
    bool frozen() const override { return false; }
    std::vector<pid_t> pids() const override { return {}; }
    void kill_all(int) override {}
    nlohmann::json stats() const override { return nlohmann::json::object(); }
    uint64_t oom_kill_count() const override { return 0; }
    void destroy() override {}
    void chown(uid_t, gid_t) override {}
    bool exists() const override { return false; }
    std::vector<MountSpec> mounts() const override { return {}; }
    std::optional<Saved> save() const override { return std::nullopt; }
};

}  // namespace

std::unique_ptr<Manager> Manager::make(const Options& o, const std::string& id,
                                       const std::optional<std::string>& cgroupsPath) {
    if (o.manager == "disabled") return std::make_unique<NoopManager>();
    if (o.manager != "cgroupfs" && o.manager != "systemd")
        throw Error("unknown cgroup manager \"" + o.manager + "\" (cgroupfs, systemd or disabled)");
    bool systemd = o.systemd_cgroup || o.manager == "systemd";
    std::string inner = cgroup_path(systemd, ::geteuid() != 0, id, cgroupsPath);
    Layout layout = detect(o.mountpoint);
    if (layout == Layout::V2) return make_v2(inner, o.mountpoint);
    return make_v1(layout, inner, o.mountpoint);
}

std::unique_ptr<Manager> Manager::restore(const std::optional<Saved>& s) {
    if (!s) return std::make_unique<NoopManager>();
    if (s->layout == to_string(Layout::V2)) return restore_v2(*s);
    if (s->layout == to_string(Layout::V1)) return restore_v1(Layout::V1, *s);
    if (s->layout == to_string(Layout::Hybrid)) return restore_v1(Layout::Hybrid, *s);
    throw Error("cgroup.layout: must be one of v1, hybrid, v2 (not \"" + s->layout + "\")");
}

}  // namespace ucrun::cgroup
