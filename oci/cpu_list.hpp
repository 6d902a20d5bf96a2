// The list format of CPUs and memory nodes, "0-3,7": comma-separated numbers
// and ascending ranges (config.md "execCPUAffinity"; config-linux.md
// "cpu.cpus", "cpu.mems", "memoryPolicy.nodes"). The one parser of it:
// validation and the appliers (sched_setaffinity, set_mempolicy) use it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oci {

struct CpuRange {
    unsigned long first = 0, last = 0;  // inclusive
};

// nullopt when malformed ("3-1", "0,,1", "x", numbers over 9 digits); ""
// is an empty list.
std::optional<std::vector<CpuRange>> parse_cpu_list(const std::string& s);

// The list as a bit mask of unsigned longs (bit n%W of word n/W, the layout
// of cpu_set_t and of set_mempolicy's nodemask); nullopt when a number is
// >= limit, so that a hostile "0-999999999" never allocates 125 MB.
std::optional<std::vector<unsigned long>> cpu_mask(const std::vector<CpuRange>& ranges, unsigned long limit);

}  // namespace oci
