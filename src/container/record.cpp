#include "container/record.hpp"

#include <unistd.h>

#include "config.h"
#include "log/log.hpp"

namespace ucrun::container {

namespace {
oci::State base_state(const oci::Config& cfg, const std::string& id, const std::string& bundle, pid_t pid) {
    oci::State s;
    // runtime.md "State": the version of the spec the state complies with.
    s.ociVersion = UCRUN_SPEC_VERSION;
    s.id = id;
    s.pid = pid;
    s.bundle = bundle;
    s.annotations = cfg.annotations;
    return s;
}
}  // namespace

state::Record make_record(const oci::Config& cfg, const std::string& id, const std::string& bundle,
                          const std::string& rootfs, pid_t pid) {
    state::Record r;
    r.state = base_state(cfg, id, bundle, pid);
    r.state.status = oci::Status::Created;
    r.state.rootfs = rootfs;
    r.state.created = rfc3339_now();
    r.state.owner = "";
    r.pid = pid;
    r.pid_start_time = state::process_start_time(pid);
    return r;
}

nlohmann::json initial_state_json(const oci::Config& cfg, const std::string& id, const std::string& bundle, pid_t pid) {
    oci::State s = base_state(cfg, id, bundle, pid);
    s.status = oci::Status::Creating;
    return oci::to_json(s);
}

std::string absolute_pid_file(const std::string& p) {
    if (!p.empty() && p[0] == '/') return p;
    char buf[4096];
    if (!::getcwd(buf, sizeof buf)) return p;
    return std::string(buf) + "/" + p;
}

}  // namespace ucrun::container
