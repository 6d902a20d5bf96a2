// process.capabilities (config.md "Linux Process") with raw capget/capset and
// prctl(2): no libcap.
//
// Order the container init must use (runc's finalizeNamespace order):
//   1. drop_bounding(caps, last_cap)        -- needs CAP_SETPCAP, so first
//   2. prctl(PR_SET_KEEPCAPS, 1)            -- keep permitted across setuid
//   3. setresgid / setgroups / setresuid    -- switch to process.user
//   4. apply(caps, last_cap)                -- effective/permitted/inheritable,
//                                              then ambient
//   (seccomp: see seccomp.hpp for where load() goes relative to apply())
//
// A missing set (e.g. no "ambient" key, or no process.capabilities at all)
// is the empty set, as in runc: the process gets no capability of that kind.
// Capabilities known to us but above the kernel's last cap
// (/proc/sys/kernel/cap_last_cap) are ignored with a warning, as runc does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::security {

// "CAP_SYS_ADMIN" -> 21; nullopt for unknown names (case-sensitive, as runc).
std::optional<int> cap_from_name(std::string_view name);
// 21 -> "CAP_SYS_ADMIN"; "" when unknown.
std::string cap_name(int cap);
// All names we know, in number order (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE).
std::vector<std::string> capability_names();

// The kernel's last capability, as /proc/sys/kernel/cap_last_cap says (find
// it once, pass it around): probed with PR_CAPBSET_READ from the headers'
// CAP_LAST_CAP, the file read only where prctl is refused.
int read_last_cap();

// The five sets as bit masks, resolved against the kernel's last cap.
struct CapSets {
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    std::vector<std::string> ignored;  // names above last_cap (runc: "ignoring unknown or unavailable capabilities")
};
// Throws ucrun::Error for names we do not know at all (validate() rejects
// them earlier).
CapSets resolve(const oci::Capabilities& caps, int last_cap);
CapSets resolve(const std::optional<oci::Capabilities>& caps, int last_cap);

// PR_CAPBSET_DROP every capability 0..last_cap not in the bounding set (and
// still in the current bounding set), through `k` (sys/kernel.hpp). Throws
// ucrun::SysError.
void drop_bounding(const sys::Kernel& k, const CapSets& sets, int last_cap);
void drop_bounding(const sys::Kernel& k, const oci::Capabilities& caps, int last_cap);

// capset(_LINUX_CAPABILITY_VERSION_3) effective/permitted/inheritable, then
// PR_CAP_AMBIENT_CLEAR_ALL and PR_CAP_AMBIENT_RAISE for each ambient cap.
// capset failures throw ucrun::SysError; an ambient cap that cannot be raised
// (not in both permitted and inheritable) gives a warning in the returned
// list, as runc does, not an error.
std::vector<std::string> apply(const sys::Kernel& k, const CapSets& sets);
std::vector<std::string> apply(const sys::Kernel& k, const oci::Capabilities& caps, int last_cap);

// Current process sets (capget), for tests and diagnostics.
struct CurrentCaps {
    uint64_t effective = 0, permitted = 0, inheritable = 0;
};
CurrentCaps current();
bool in_bounding(int cap);  // PR_CAPBSET_READ
bool in_ambient(int cap);   // PR_CAP_AMBIENT_IS_SET

}  // namespace ucrun::security
