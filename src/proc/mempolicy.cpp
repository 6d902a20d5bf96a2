#include "proc/mempolicy.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include "oci/cpu_list.hpp"
#include "sys/error.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

namespace {
// <numaif.h> values (uapi linux/mempolicy.h), without a libnuma dependency.
struct Named {
    const char* name;
    int value;
};
constexpr Named kModes[] = {
    {"MPOL_DEFAULT", 0}, {"MPOL_PREFERRED", 1},      {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3}, {"MPOL_LOCAL", 4},        {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
};
constexpr Named kFlags[] = {
    {"MPOL_F_STATIC_NODES", 1 << 15}, {"MPOL_F_RELATIVE_NODES", 1 << 14}, {"MPOL_F_NUMA_BALANCING", 1 << 13},
};
constexpr size_t kBits = 8 * sizeof(unsigned long);
}  // namespace

std::vector<unsigned long> node_mask(const std::string& list) {
    // 4096: above any MAX_NUMNODES (1 << NODES_SHIFT, at most 1024).
    auto ranges = oci::parse_cpu_list(list);
    auto mask = ranges ? oci::cpu_mask(*ranges, 4096) : std::nullopt;
    if (!mask) throw ConfigError("linux.memoryPolicy.nodes", "invalid node list \"" + list + "\"");
    return *mask;
}

void apply_memory_policy(const sys::Kernel& k, const oci::MemoryPolicy& mp) {
    int mode = -1;
    for (const auto& m : kModes)
        if (mp.mode == m.name) mode = m.value;
    if (mode < 0) throw ConfigError("linux.memoryPolicy.mode", "unknown mode \"" + mp.mode + "\"");
    for (const auto& f : mp.flags)
        for (const auto& k : kFlags)
            if (f == k.name) mode |= k.value;
    std::vector<unsigned long> mask = mp.nodes ? node_mask(*mp.nodes) : std::vector<unsigned long>{};
    // maxnode counts bits; the kernel ignores the last one (set_mempolicy(2) BUGS).
    unsigned long maxnode = mask.empty() ? 0 : mask.size() * kBits + 1;
    if (k.set_mempolicy(mode, mask.empty() ? nullptr : mask.data(), maxnode) < 0)
        throw ConfigError("linux.memoryPolicy", "set_mempolicy " + mp.mode, errno);
}

}  // namespace ucrun::proc
