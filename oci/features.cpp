// See features.hpp. Spec: features.md, features-linux.md,
// schema/features-schema.json, schema/features-linux.json.
#include "oci/features.hpp"

#include <algorithm>

#include "oci/mount_options.hpp"

namespace oci {

std::vector<std::string> spec_hooks() {
    // config.md "POSIX-platform Hooks", in lifecycle order (features.md example).
    return {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
}

std::vector<std::string> spec_mount_options(bool with_idmap) {
    // The options the one mount option parser knows (mount_options.hpp).
    return spec_mount_option_names(with_idmap);
}

std::vector<std::string> spec_namespaces() {
    // config-linux.md "Namespaces" (defs-linux.json NamespaceType), sorted.
    return {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};
}

std::vector<std::string> spec_mempolicy_modes() {
    return {"MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
            "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"};
}

std::vector<std::string> spec_mempolicy_flags() {
    return {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"};
}

namespace {

void put_bool(nlohmann::json& obj, const char* key, const std::optional<bool>& v) {
    if (v) obj[key] = *v;
}

nlohmann::json sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

}  // namespace

nlohmann::json features_document(const FeaturesInput& in) {
    using nlohmann::json;
    json doc = json::object();
    // features.md "Specification version": both REQUIRED.
    doc["ociVersionMin"] = in.ociVersionMin;
    doc["ociVersionMax"] = in.ociVersionMax;
    doc["hooks"] = in.hooks.empty() ? spec_hooks() : in.hooks;
    doc["mountOptions"] =
        in.mountOptions.empty() ? json(spec_mount_options(in.idmapMounts.value_or(false))) : sorted(in.mountOptions);

    json linux = json::object();
    linux["namespaces"] = in.namespaces.empty() ? json(spec_namespaces()) : sorted(in.namespaces);
    if (!in.capabilities.empty()) linux["capabilities"] = in.capabilities;  // number order, as runc

    if (in.cgroup) {
        json cg = json::object();
        put_bool(cg, "v1", in.cgroup->v1);
        put_bool(cg, "v2", in.cgroup->v2);
        put_bool(cg, "systemd", in.cgroup->systemd);
        put_bool(cg, "systemdUser", in.cgroup->systemdUser);
        put_bool(cg, "rdma", in.cgroup->rdma);
        linux["cgroup"] = cg;
    }
    if (in.seccomp) {
        const auto& s = *in.seccomp;
        json sc = json::object();
        sc["enabled"] = s.enabled;
        if (s.enabled) {
            sc["actions"] = sorted(s.actions);
            sc["operators"] = sorted(s.operators);
            sc["archs"] = sorted(s.archs);
            sc["knownFlags"] = s.knownFlags;
            sc["supportedFlags"] = s.supportedFlags;
        }
        linux["seccomp"] = sc;
    }
    if (in.apparmor) linux["apparmor"] = {{"enabled", *in.apparmor}};
    if (in.selinux) linux["selinux"] = {{"enabled", *in.selinux}};
    if (in.memoryPolicy) linux["memoryPolicy"] = {{"modes", in.memoryPolicy->modes}, {"flags", in.memoryPolicy->flags}};
    if (in.intelRdt) {
        json r = json::object();
        put_bool(r, "enabled", in.intelRdt->enabled);
        put_bool(r, "schemata", in.intelRdt->schemata);
        put_bool(r, "monitoring", in.intelRdt->monitoring);
        linux["intelRdt"] = r;
    }
    if (in.idmapMounts) linux["mountExtensions"] = {{"idmap", {{"enabled", *in.idmapMounts}}}};
    if (in.netDevices) linux["netDevices"] = {{"enabled", *in.netDevices}};
    doc["linux"] = linux;

    json ann = json::object();
    ann["org.opencontainers.runc.checkpoint.enabled"] = in.checkpoint ? "true" : "false";
    if (!in.version.empty()) ann["io.github.ucrun.version"] = in.version;
    if (!in.commit.empty()) ann["io.github.ucrun.commit"] = in.commit;
    for (const auto& [k, v] : in.annotations) ann[k] = v;
    doc["annotations"] = ann;

    if (in.potentiallyUnsafeConfigAnnotations) doc["potentiallyUnsafeConfigAnnotations"] = *in.potentiallyUnsafeConfigAnnotations;
    return doc;
}

}  // namespace oci
