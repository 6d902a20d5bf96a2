// linux.resources -> the cgroup files to write, per layout. Pure: what the
// host has is asked through a Probe, so this is tested without root.
// Order and arithmetic follow runc libcontainer/cgroups/fs (v1) and fs2 (v2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace ucrun::cgroup {

enum WriteFlag : unsigned {
    // EINVAL now may be an ordering problem (cfs period vs quota, rt period
    // vs runtime, burst vs quota): retry once after the controller's other
    // writes (runc does the same dance).
    kRetryLater = 1,
    // ENOENT is fine: the kernel lacks the knob (swap accounting off,
    // hugetlb reservations, burst 0).
    kOptional = 2,
    // Read cpu.shares back and fail if the kernel clamped it (runc).
    kCheckShares = 4,
};

struct Write {
    std::string controller;  // v1: the hierarchy to write in; v2: the controller (for messages)
    std::string file;        // relative to the container's cgroup dir
    std::string value;
    unsigned flags = 0;
    bool operator==(const Write&) const = default;
};

// What the translation may need to know about the container's cgroup.
class Probe {
public:
    virtual ~Probe() = default;
    virtual bool exists(const std::string& controller, const std::string& file) const = 0;
    virtual std::optional<std::string> read(const std::string& controller, const std::string& file) const = 0;
};

// v1 and Hybrid. Includes device rules (devices.allow/deny): at create
// (`initial`) always, the whole list; on update only when r.devices is not
// empty, and only the difference from devices.list. Throws Error for
// linux.resources.unified and for out-of-range values.
std::vector<Write> translate_v1(const oci::Resources&, const Probe&, bool initial);

// v2, without devices (an eBPF program, see devices.hpp). Throws Error when
// swap can't be expressed (runc ConvertMemorySwapToCgroupV2Value) or when
// memory.checkBeforeUpdate finds usage above the new limit.
std::vector<Write> translate_v2(const oci::Resources&, const Probe&);

// v2 memory.swap.max from the v1-style swap (memory+swap) and limit:
// -1 max, 0 unset, else swap - limit. Throws Error on nonsense.
int64_t swap_v2(int64_t swap, int64_t limit);
// blkio.weight (10..1000) -> io.weight (1..10000), runc ConvertBlkIOToIOWeightValue.
uint64_t blkio_to_io_weight(uint64_t w);
// cpu.max: "<quota|max> [period]".
std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period);

}  // namespace ucrun::cgroup
