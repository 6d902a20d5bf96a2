#include "container/cgroup_ops.hpp"

#include <poll.h>

#include <algorithm>
#include <optional>

#include "container/cgroups.hpp"
#include "container/ops.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"
#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::container {

namespace {

// The container's cgroup manager; refuses a container that has none.
std::unique_ptr<cgroup::Manager> cgroup_of(const state::Record& r, const char* what) {
    auto cg = restore_cgroup(r);
    if (!cg->enabled())
        throw Error(std::string("cannot ") + what + " container " + r.state.id +
                    ": it has no cgroup (created with --cgroup-manager disabled)");
    return cg;
}

// linux.resources as recorded (config.json's, with the updates since).
nlohmann::json recorded_resources(const nlohmann::json& config) {
    auto l = config.find("linux");
    if (l == config.end() || !l->is_object()) return nlohmann::json::object();
    auto res = l->find("resources");
    return res != l->end() && res->is_object() ? *res : nlohmann::json::object();
}

// One runc events line: {"type":...,"id":...[,"data":...]} (the field order
// of runc's types.Event).
void emit(const std::string& type, const std::string& id, const nlohmann::json* data) {
    std::string line = "{\"type\":" + nlohmann::json(type).dump() + ",\"id\":" + nlohmann::json(id).dump();
    if (data) line += ",\"data\":" + data->dump();
    line += "}\n";
    if (!sys::write_all(1, line)) throw_errno("write events");
}

}  // namespace

void pause(Context& ctx, const std::string& id) {
    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record r = load_live(ctx, id);
    // runc Pause: only a running or created container.
    if (r.state.status != oci::Status::Running && r.state.status != oci::Status::Created)
        throw Error("container not running");
    cgroup_of(r, "pause")->freeze();
}

void resume(Context& ctx, const std::string& id) {
    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record r = load_live(ctx, id);
    if (r.state.status != oci::Status::Paused) throw Error("container not paused");
    cgroup_of(r, "resume")->thaw();
}

void update(Context& ctx, const std::string& id, const nlohmann::json& patch, const std::string& document) {
    if (!patch.is_object()) throw oci::SpecError(document, "", "must be a JSON object (linux.resources)");
    // The update itself must be valid, with errors naming its own paths.
    oci::validate_resources(oci::parse_resources(patch, document), document, "");

    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record live = load_live(ctx, id);
    if (live.state.status == oci::Status::Stopped || live.state.status == oci::Status::Creating)
        throw Error("container not running");
    auto cg = cgroup_of(live, "update");

    nlohmann::json config = store.load_config(id);
    const nlohmann::json old_json = recorded_resources(config);
    nlohmann::json new_json = old_json;
    new_json.merge_patch(patch);
    oci::Resources before = oci::parse_resources(old_json, "state.json");
    oci::Resources after = oci::parse_resources(new_json, document);
    oci::validate_resources(after, document, "");
    // runc update never touches the device rules (SkipDevices): they are
    // not part of what it can change.
    before.devices.clear();
    after.devices.clear();
    try {
        cg->apply(after, false);
    } catch (...) {
        // runc Set: put the previous values back; the update's error is
        // the one to report.
        try {
            cg->apply(before, false);
        } catch (const std::exception& e) {
            ctx.log.warn(std::string("update: restoring the previous resources: ") + e.what());
        }
        throw;
    }
    // Record the result in the container's config, so that the next
    // update builds on it.
    if (!config["linux"].is_object()) config["linux"] = nlohmann::json::object();
    config["linux"]["resources"] = new_json;
    store.save_config(id, config.dump());
}

void events(Context& ctx, const std::string& id, bool once, std::chrono::milliseconds interval) {
    if (interval.count() <= 0) throw Error("duration interval must be greater than 0");
    state::Record r = load_live(ctx, id);
    if (r.state.status == oci::Status::Stopped || r.state.status == oci::Status::Creating)
        throw Error("container with id " + id + " is not running");
    auto cg = restore_cgroup(r);
    if (once) {
        auto data = cg->stats();
        emit("stats", id, &data);
        return;
    }
    // The stream follows the init: a pidfd turns readable when it exits.
    // Checked after opening, so a reused pid is never taken for it.
    Fd pidfd(sys::pidfd_open(r.pid));
    auto alive = [&] { return pidfd && state::process_start_time(r.pid) == r.pid_start_time; };
    if (!alive()) throw Error("container with id " + id + " is not running");

    // OOM kills are counted by the kernel (v1 memory.oom_control, v2
    // memory.events "oom_kill"): each increase is an "oom" event. runc
    // waits on an eventfd; polling the counter also sees kills that end
    // the container.
    using clock = std::chrono::steady_clock;
    constexpr auto kOomPoll = std::chrono::milliseconds(100);
    uint64_t ooms = cg->oom_kill_count();
    auto next_stats = clock::now() + interval;
    for (;;) {
        auto now = clock::now();
        auto wait = std::min<clock::duration>(kOomPoll,
                                              std::max<clock::duration>(next_stats - now, clock::duration(0)));
        struct pollfd p {pidfd.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
        if (n < 0 && errno != EINTR) throw_errno("poll container init");
        bool exited = (n > 0 && (p.revents & (POLLIN | POLLHUP))) || !alive();
        for (uint64_t c = cg->oom_kill_count(); ooms < c; ++ooms) emit("oom", id, nullptr);
        if (exited) return;
        if (clock::now() >= next_stats) {
            std::optional<nlohmann::json> data;
            try {
                data = cg->stats();
            } catch (const std::exception& e) {
                ctx.log.error(e.what());  // runc logs it and goes on
            }
            if (data) emit("stats", id, &*data);
            next_stats += interval;
        }
    }
}

}  // namespace ucrun::container
