// The Features structure (features.md, features-linux.md): pure JSON, no
// system calls. What this build and host can do comes in a FeaturesInput,
// filled by the runtime side (src/security/features_probe.hpp for seccomp,
// LSMs and capabilities; the cgroup and mount modules for their flags).
//
// Every optional input that is left unset is omitted from the document
// (features.md: all properties except ociVersionMin/Max MAY be absent).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oci {

struct SeccompFeatures {
    bool enabled = true;
    std::vector<std::string> actions;         // SCMP_ACT_* recognized
    std::vector<std::string> operators;       // SCMP_CMP_*
    std::vector<std::string> archs;           // SCMP_ARCH_* (libseccomp build)
    std::vector<std::string> knownFlags;      // SECCOMP_FILTER_FLAG_* recognized
    std::vector<std::string> supportedFlags;  // subset supported by kernel+runtime
};

struct CgroupFeatures {
    std::optional<bool> v1, v2, systemd, systemdUser, rdma;
};

struct MemoryPolicyFeatures {
    std::vector<std::string> modes;
    std::vector<std::string> flags;
};

struct IntelRdtFeatures {
    std::optional<bool> enabled, schemata, monitoring;
};

struct FeaturesInput {
    std::string ociVersionMin = "1.0.0";
    std::string ociVersionMax = "1.3.0";

    // Defaults: the spec's full lists (see the functions below).
    std::vector<std::string> hooks;         // empty -> spec_hooks()
    std::vector<std::string> mountOptions;  // empty -> spec_mount_options(idmapMounts)
    std::vector<std::string> namespaces;    // empty -> spec_namespaces()
    std::vector<std::string> capabilities;  // empty -> omitted

    std::optional<CgroupFeatures> cgroup;
    std::optional<SeccompFeatures> seccomp;
    std::optional<bool> apparmor;  // runtime supports AppArmor
    std::optional<bool> selinux;   // runtime supports SELinux
    std::optional<bool> idmapMounts;  // linux.mountExtensions.idmap.enabled
    std::optional<MemoryPolicyFeatures> memoryPolicy;
    std::optional<IntelRdtFeatures> intelRdt;
    std::optional<bool> netDevices;

    std::optional<std::vector<std::string>> potentiallyUnsafeConfigAnnotations;

    // Annotations. Always emitted: "org.opencontainers.runc.checkpoint.enabled"
    // ("true"/"false" from `checkpoint`), "io.github.ucrun.version" (when
    // version is non-empty), "io.github.ucrun.commit" (when non-empty);
    // `annotations` adds to / overrides them (e.g.
    // "io.github.seccomp.libseccomp.version").
    std::string version;
    std::string commit;
    bool checkpoint = false;
    std::map<std::string, std::string> annotations;
};

nlohmann::json features_document(const FeaturesInput& in);

// features.md "Hooks": the six hook names.
std::vector<std::string> spec_hooks();
// config.md "Linux mount options" table, sorted; "idmap"/"ridmap" only when
// `with_idmap`. (runc also lists "acl"/"noacl"; these are filesystem data,
// which features.md says SHOULD NOT be listed.)
std::vector<std::string> spec_mount_options(bool with_idmap);
// config-linux.md "Namespaces", sorted.
std::vector<std::string> spec_namespaces();
// config-linux.md "Memory policy".
std::vector<std::string> spec_mempolicy_modes();
std::vector<std::string> spec_mempolicy_flags();

}  // namespace oci
