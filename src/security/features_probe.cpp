// See features_probe.hpp. Spec: features-linux.md "Seccomp", "AppArmor",
// "SELinux", "Capabilities".
#include "security/features_probe.hpp"

#include "security/capabilities.hpp"
#include "security/seccomp.hpp"

namespace ucrun::security {

void probe_security_features(oci::FeaturesInput& in) {
    oci::SeccompFeatures s;
    s.enabled = true;
    s.actions = known_actions();
    s.operators = known_operators();
    s.archs = known_archs();
    s.knownFlags = known_flags();
    s.supportedFlags = supported_flags();
    in.seccomp = std::move(s);
    in.apparmor = true;
    in.selinux = true;
    in.capabilities = capability_names();
    in.annotations["io.github.seccomp.libseccomp.version"] = libseccomp_version();
}

oci::FeaturesInput probe_security_features() {
    oci::FeaturesInput in;
    probe_security_features(in);
    return in;
}

}  // namespace ucrun::security
