// The security half of the Features structure (features-linux.md): seccomp
// (from libseccomp and the running kernel), AppArmor/SELinux support,
// capability names. The caller adds what other modules know (cgroup, idmap
// mounts, intelRdt, memoryPolicy, netDevices) and the version, then calls
// oci::features_document().
#pragma once

#include "oci/features.hpp"

namespace ucrun::security {

// Fills: seccomp (enabled, actions, operators, archs, knownFlags,
// supportedFlags probed on this kernel), apparmor/selinux (true: compiled-in
// support, whatever the host runs; features-linux.md: "Irrelevant to the
// availability of AppArmor on the host"), capabilities (all names we know),
// annotations["io.github.seccomp.libseccomp.version"].
void probe_security_features(oci::FeaturesInput& in);

// A FeaturesInput with only the above filled (and the defaults of oci/).
oci::FeaturesInput probe_security_features();

}  // namespace ucrun::security
