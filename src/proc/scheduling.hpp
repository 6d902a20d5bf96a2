// config.md "Linux Process": process.scheduler (sched_setattr(2)) and
// process.ioPriority (ioprio_set(2)), for the calling process, before it
// gives up its privileges (a real-time policy needs CAP_SYS_NICE).
#pragma once

#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

void apply_scheduler(const sys::Kernel& k, const oci::Process& p);
void apply_io_priority(const sys::Kernel& k, const oci::Process& p);

}  // namespace ucrun::proc
