#include "cli/check_remap.hpp"

#include "container/remap.hpp"
#include "oci/error.hpp"
#include "userns/default_user.hpp"
#include "userns/subid.hpp"

namespace ucrun::cli {

namespace {

using oci::audit::Finding;
using oci::audit::Severity;

// "user ucrun (uids 131072-16908287 in /etc/subuid)" when it has ranges;
// what create will do about it otherwise.
std::string whose(const config::UsernsConfig& policy) {
    const std::string name = policy.remap == config::Remap::Default ? userns::kDefaultUser : policy.user;
    try {
        const userns::Ranges r = userns::ranges_for(name, policy.group);
        std::string s = "user " + r.user + " (uids ";
        for (size_t i = 0; i < r.uids.size(); ++i)
            s += (i ? ", " : "") + std::to_string(r.uids[i].start) + "-" + std::to_string(r.uids[i].end() - 1);
        return s + " in " + r.subuid + ")";
    } catch (const std::exception& e) {
        if (policy.remap == config::Remap::Default)
            return "user " + name + " (created with its ranges on the first remapped create)";
        return "user " + name + ", which create cannot use: " + e.what();
    }
}

}  // namespace

void add_remap_findings(const config::UsernsConfig& policy, const std::string& policy_source,
                        const oci::Config& cfg, bool rootless, std::vector<Finding>& fs) {
    namespace remap = container::remap;
    // As create decides (container/create.cpp): rootless, the caller has no
    // range but its own ids, which its bundle maps itself.
    if (rootless && policy.remap != config::Remap::Off) {
        fs.push_back({Severity::info, "remap-rootless", "linux.namespaces",
                      "rootless: the runtime's remap (userns.remap=" + config::remap_text(policy) +
                          ") does not apply: rootless, a container runs in the user namespace its "
                          "bundle asks for, with the caller's own ids"});
        return;
    }
    remap::Decision d;
    try {
        d = remap::decide(policy, cfg, policy_source);
    } catch (const oci::SpecError& e) {
        fs.insert(fs.begin(), Finding{Severity::high, "remap-refused", e.path(), e.reason() + ": create refuses it"});
        return;
    }
    const std::string setting = "userns.remap=" + config::remap_text(policy) + ", " +
                                config::allocation_text(policy.allocation) + ", " + std::to_string(policy.size) +
                                " ids";
    if (d == remap::Decision::Inject) {
        std::erase_if(fs, [](const Finding& f) { return f.id == "no-userns" && f.path == "linux.namespaces"; });
        fs.push_back({Severity::info, "remap", "linux.namespaces",
                      "the runtime's remap (" + setting + ") adds a user namespace: container root becomes an "
                      "unprivileged host id of " + whose(policy)});
    } else if (d == remap::Decision::OptedOut) {
        fs.push_back({Severity::info, "remap-opt-out", std::string("annotations[\"") + remap::kOptOutAnnotation + "\"]",
                      "opts out of the runtime's remap (" + setting + "), as userns.allow-host permits"});
    }
}

}  // namespace ucrun::cli
