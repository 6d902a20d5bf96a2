#include "cli/command.hpp"
#include "config.h"
#include "oci/features.hpp"
#include "security/features_probe.hpp"
#include "sys/io.hpp"
#include "version.hpp"

namespace ucrun::cli {

namespace {
int run(Context&, const Parsed& p) {
    require_args(p, 0, "features");
    oci::FeaturesInput in = security::probe_security_features();
    in.version = UCRUN_VERSION;
    in.commit = UCRUN_GIT_COMMIT;
    // cgroup support of this build (src/cgroup): v1, v2 and the systemd
    // path form mapped onto cgroupfs.
    in.cgroup = oci::CgroupFeatures{true, true, true, false, true};
    in.idmapMounts = true;
    in.memoryPolicy = oci::MemoryPolicyFeatures{oci::spec_mempolicy_modes(), oci::spec_mempolicy_flags()};
    in.netDevices = false;  // refused with a clear error (container/create.cpp)
    in.intelRdt = oci::IntelRdtFeatures{false, false, false};
    sys::write_all(1, oci::features_document(in).dump(4) + "\n");
    return 0;
}
}  // namespace

Command features_command() {
    return {"features", "features", "show the enabled features (features.md)", {}, run};
}

}  // namespace ucrun::cli
