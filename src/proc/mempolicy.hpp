// linux.memoryPolicy (config-linux.md "Memory policy"): set_mempolicy(2)
// for the container process, inherited across execve.
#pragma once

#include <vector>

#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

// "0-3,7" -> a nodemask of unsigned longs. Throws ucrun::Error naming
// linux.memoryPolicy.nodes on a malformed list.
std::vector<unsigned long> node_mask(const std::string& list);

void apply_memory_policy(const sys::Kernel& k, const oci::MemoryPolicy& mp);

}  // namespace ucrun::proc
