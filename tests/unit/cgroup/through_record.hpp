// A manager as a later command gets it back: saved into a container's
// record, through state.json's text (state::Store::encode,
// state::record_from_text), and restored.
#pragma once

#include <memory>

#include "cgroup/manager.hpp"
#include "state/record_json.hpp"
#include "state/store.hpp"

inline std::unique_ptr<ucrun::cgroup::Manager> through_record(const ucrun::cgroup::Manager& m) {
    ucrun::state::Record r;
    r.state.ociVersion = "1.3.0";
    r.state.id = "c1";
    r.state.bundle = "/b";
    r.state.status = oci::Status::Created;
    r.cgroup = m.save();
    return ucrun::cgroup::Manager::restore(
        ucrun::state::record_from_text(ucrun::state::Store::encode(r), "/run/ucrun/c1/state.json").cgroup);
}
