// Loading and attaching the v2 device filter with bpf(2), no libbpf.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sys/fd.hpp"

namespace ucrun::cgroup {

// BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. On failure the
// verifier log is part of the error.
Fd load_device_program(const std::vector<bpf_insn>& prog);

// Attaches `prog` to the cgroup (an O_DIRECTORY fd) with BPF_F_ALLOW_MULTI,
// then detaches the device programs that were attached before, so there is
// never a moment without a filter (as runc and crun do).
void attach_device_program(int cgroup_fd, int prog_fd, const std::string& cgroup_dir);

// Ids of the device programs attached directly to the cgroup.
std::vector<uint32_t> attached_device_programs(int cgroup_fd, const std::string& cgroup_dir);

}  // namespace ucrun::cgroup
