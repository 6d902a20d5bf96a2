#include "cli/command.hpp"
#include "sys/kernel.hpp"
#include "config.h"
#include "mount/idmap_probe.hpp"
#include "oci/features.hpp"
#include "security/features_probe.hpp"
#include "sys/io.hpp"
#include "userns/probe.hpp"
#include "version.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 0, "features");
    oci::FeaturesInput in = security::probe_security_features();
    in.version = UCRUN_VERSION;
    in.commit = UCRUN_GIT_COMMIT;
    // cgroup support of this build (src/cgroup): v1, v2 and the systemd
    // path form mapped onto cgroupfs.
    in.cgroup = oci::CgroupFeatures{true, true, true, false, true};
    // What this host lets a container have, probed (containerd and CRI-O
    // decide from these whether to send user-namespace pods and idmapped
    // volumes): see userns/probe.hpp, mount/idmap_probe.hpp.
    std::string why;
    const bool userns = userns::userns_available(userns::probe_userns(), &why);
    if (!userns) ctx.log.debug("features: user namespaces cannot be created here: " + why);
    for (const auto& n : oci::spec_namespaces())
        if (n != "user" || userns) in.namespaces.push_back(n);
    in.idmapMounts = userns && mount::can_idmap_mounts(sys::linux_kernel(), &why);
    if (userns && !*in.idmapMounts) ctx.log.debug("features: idmapped mounts cannot be made here: " + why);
    in.memoryPolicy = oci::MemoryPolicyFeatures{oci::spec_mempolicy_modes(), oci::spec_mempolicy_flags()};
    in.netDevices = false;  // refused with a clear error (container/create_plan.cpp)
    in.intelRdt = oci::IntelRdtFeatures{false, false, false};
    sys::write_all(1, oci::features_document(in).dump(4) + "\n");
    return 0;
}
}  // namespace

const Command& features_command() {
    static constexpr Command kCommand{"features", "features", "show the enabled features (features.md)", {}, run};
    return kCommand;
}

}  // namespace ucrun::cli
