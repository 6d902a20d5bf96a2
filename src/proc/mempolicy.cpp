#include "proc/mempolicy.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "sys/error.hpp"

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
    std::vector<unsigned long> mask;
    size_t pos = 0;
    auto bad = [&] { throw ConfigError("linux.memoryPolicy.nodes", "invalid node list \"" + list + "\""); };
    while (pos < list.size()) {
        size_t end = list.find(',', pos);
        std::string part = list.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        char* p = nullptr;
        unsigned long lo = std::strtoul(part.c_str(), &p, 10), hi = lo;
        if (p == part.c_str()) bad();
        if (*p == '-') {
            char* q = nullptr;
            hi = std::strtoul(p + 1, &q, 10);
            if (q == p + 1 || *q) bad();
        } else if (*p) {
            bad();
        }
        if (hi < lo || hi >= 4096) bad();
        for (unsigned long n = lo; n <= hi; ++n) {
            if (mask.size() <= n / kBits) mask.resize(n / kBits + 1, 0);
            mask[n / kBits] |= 1UL << (n % kBits);
        }
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return mask;
}

void apply_memory_policy(const oci::MemoryPolicy& mp) {
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
    if (::syscall(SYS_set_mempolicy, mode, mask.empty() ? nullptr : mask.data(), maxnode) < 0)
        throw ConfigError("linux.memoryPolicy", "set_mempolicy " + mp.mode, errno);
}

}  // namespace ucrun::proc
