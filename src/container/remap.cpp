#include "container/remap.hpp"

#include "oci/error.hpp"
#include "sys/error.hpp"
#include "userns/default_user.hpp"

namespace ucrun::container::remap {

namespace {

std::string annotation_path(const char* key) { return std::string("annotations[\"") + key + "\"]"; }

std::string map_text(const userns::IdRange& r) {
    return "0:" + std::to_string(r.start) + ":" + std::to_string(r.count);
}

userns::Mode mode_of(config::Allocation a) {
    return a == config::Allocation::Shared ? userns::Mode::Shared : userns::Mode::PerContainer;
}

nlohmann::json mapping_json(const userns::IdRange& r) {
    return nlohmann::json::array({{{"containerID", 0}, {"hostID", r.start}, {"size", r.count}}});
}

}  // namespace

Decision decide(const config::UsernsConfig& policy, const oci::Config& cfg, const std::string& policy_source) {
    // What the state shows as the runtime's mapping must be the runtime's:
    // a bundle cannot claim a remap it did not get.
    for (const char* k : {kUserAnnotation, kAllocationAnnotation, kUidMapAnnotation, kGidMapAnnotation})
        if (cfg.annotations.count(k))
            throw oci::SpecError("config.json", annotation_path(k), "is reserved: ucrun writes it when it remaps");
    if (policy.remap == config::Remap::Off) return Decision::Off;
    if (auto it = cfg.annotations.find(kOptOutAnnotation); it != cfg.annotations.end()) {
        if (it->second != "host")
            throw oci::SpecError("config.json", annotation_path(kOptOutAnnotation),
                                 "unknown value \"" + it->second + "\" (the only value is \"host\")");
        if (!policy.allow_host)
            throw oci::SpecError("config.json", annotation_path(kOptOutAnnotation),
                                 "the runtime's user namespace remap does not allow containers in the host user "
                                 "namespace (userns.allow-host is false in " + policy_source +
                                     "; --userns-allow-host)");
        return Decision::OptedOut;
    }
    // A bundle that chose its user namespace (new, joined, or only
    // mappings) keeps its choice: the policy fills a gap, it does not
    // override the engine.
    if (cfg.linux && (cfg.linux->find_namespace("user") || !cfg.linux->uidMappings.empty() ||
                      !cfg.linux->gidMappings.empty()))
        return Decision::OwnUserns;
    return Decision::Inject;
}

userns::Ranges policy_ranges(const config::UsernsConfig& policy) {
    if (policy.remap == config::Remap::Default) return userns::ensure_default_user();
    return userns::ranges_for(policy.user, policy.group);
}

Lease::Lease(const std::string& root, const std::string& id, const config::UsernsConfig& policy)
    : alloc_(root, userns::kHostRegistry), id_(id) {
    const userns::Ranges ranges = policy_ranges(policy);
    user_ = ranges.user;
    block_ = alloc_.allocate(id, ranges, policy.size, mode_of(policy.allocation), &fresh_);
}

Lease::~Lease() {
    if (!fresh_) return;
    try {
        alloc_.release(id_);
    } catch (...) {
        // Left in the registry with our pid: reclaimable once we are gone
        // (userns/allocator.hpp), so a failed release leaks nothing for long.
    }
}

void inject(oci::Config& cfg, nlohmann::json& doc, const userns::Block& block, const std::string& user,
            config::Allocation allocation) {
    if (!cfg.linux) cfg.linux.emplace();
    cfg.linux->namespaces.push_back({"user", std::nullopt});
    cfg.linux->uidMappings = {{0, block.uid.start, block.uid.count}};
    cfg.linux->gidMappings = {{0, block.gid.start, block.gid.count}};
    const std::map<std::string, std::string> notes = {
        {kUserAnnotation, user},
        {kAllocationAnnotation, config::allocation_text(allocation)},
        {kUidMapAnnotation, map_text(block.uid)},
        {kGidMapAnnotation, map_text(block.gid)},
    };
    for (const auto& [k, v] : notes) cfg.annotations[k] = v;

    // The stored config.json says what ran. parse_config accepted `doc`,
    // so linux and annotations, when present, are objects.
    nlohmann::json& linux = doc["linux"];
    if (!linux.is_object()) linux = nlohmann::json::object();
    nlohmann::json& nss = linux["namespaces"];
    if (!nss.is_array()) nss = nlohmann::json::array();
    nss.push_back({{"type", "user"}});
    linux["uidMappings"] = mapping_json(block.uid);
    linux["gidMappings"] = mapping_json(block.gid);
    nlohmann::json& ann = doc["annotations"];
    if (!ann.is_object()) ann = nlohmann::json::object();
    for (const auto& [k, v] : notes) ann[k] = v;
}

void release(const std::string& root, const state::Record& r) {
    if (!r.state.annotations.count(kAllocationAnnotation)) return;
    userns::Allocator(root, userns::kHostRegistry).release(r.state.id);
}

}  // namespace ucrun::container::remap
