// The user-namespace remap policy applied at create (issue 12 item 3): with
// `userns.remap` on (config/userns_settings.hpp), a bundle without a user
// namespace gets one, whose mappings put container root on a block of the
// policy user's subordinate ids (userns/allocator.hpp). The engine that
// wrote config.json knows nothing of it; the container's state says it.
//
// One owner per piece: decide() is the rule (pure, shared with `ucrun
// check`), Lease takes and frees the block, inject() writes the result into
// the config that create runs and stores, release() frees it at delete.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/userns_settings.hpp"
#include "oci/config.hpp"
#include "state/store.hpp"
#include "userns/allocator.hpp"

namespace ucrun::container::remap {

// A container's opt-out: "host" keeps it in the host user namespace, where
// the policy's allow-host permits (the operator's grant; dockerd's
// --userns=host).
inline constexpr const char* kOptOutAnnotation = "io.github.ucrun.userns";
// Written by inject() into the config's annotations, hence into the state
// (runtime.md "State": annotations as given at create), so that `ucrun
// state` shows what ran and delete knows to free the block.
inline constexpr const char* kUserAnnotation = "io.github.ucrun.userns.user";
inline constexpr const char* kAllocationAnnotation = "io.github.ucrun.userns.allocation";
inline constexpr const char* kUidMapAnnotation = "io.github.ucrun.userns.uid-map";  // "0:<host start>:<count>"
inline constexpr const char* kGidMapAnnotation = "io.github.ucrun.userns.gid-map";

enum class Decision {
    Off,        // the policy is off
    OwnUserns,  // the bundle has a user namespace or mappings: left as it is
    OptedOut,   // annotation io.github.ucrun.userns=host, allowed
    Inject,     // create adds a user namespace with an allocated block
};

// The rule, pure. Throws oci::SpecError naming the annotation when the
// bundle opts out and the policy does not allow it, or gives it a value
// other than "host", or sets one of the annotations above itself. `policy_source` names where allow-host is set, for
// that message (the file, or "the defaults").
Decision decide(const config::UsernsConfig& policy, const oci::Config& cfg, const std::string& policy_source);

// The policy user's ranges: for `default` the `ucrun` system user, made
// with its ranges when missing (userns/default_user.hpp); for USER[:GROUP]
// that user's.
userns::Ranges policy_ranges(const config::UsernsConfig& policy);

// A block taken for container `id`, freed when the Lease dies unless kept.
// Only a block this create made is freed: an id that already had one (a
// second create of a live container's id, racing the directory check)
// gets that container's block back and must leave it alone.
class Lease {
public:
    Lease(const std::string& root, const std::string& id, const config::UsernsConfig& policy);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    const userns::Block& block() const { return block_; }
    const std::string& user() const { return user_; }
    void keep() { fresh_ = false; }  // the container exists: delete frees it

private:
    userns::Allocator alloc_;
    std::string id_, user_;
    userns::Block block_;
    bool fresh_ = false;
};

// Adds the user namespace, linux.uidMappings/gidMappings (container 0 ->
// the block) and the annotations above to `cfg` and to `doc`, its JSON,
// which create stores as the container's config.json: exec then joins the
// user namespace like that of any bundle that asked for one.
void inject(oci::Config& cfg, nlohmann::json& doc, const userns::Block& block, const std::string& user,
            config::Allocation allocation);

// delete: frees the block of a container that create remapped (its record
// has the annotations); nothing otherwise.
void release(const std::string& root, const state::Record& r);

}  // namespace ucrun::container::remap
