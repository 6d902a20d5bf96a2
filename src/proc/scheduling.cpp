#include "proc/scheduling.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "sys/error.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

namespace {

// include/uapi/linux/sched/types.h
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

int policy_value(const std::string& p) {
    if (p == "SCHED_OTHER") return 0;
    if (p == "SCHED_FIFO") return 1;
    if (p == "SCHED_RR") return 2;
    if (p == "SCHED_BATCH") return 3;
    if (p == "SCHED_ISO") return 4;
    if (p == "SCHED_IDLE") return 5;
    if (p == "SCHED_DEADLINE") return 6;
    return -1;
}

uint64_t flag_value(const std::string& f) {
    if (f == "SCHED_FLAG_RESET_ON_FORK") return 0x01;
    if (f == "SCHED_FLAG_RECLAIM") return 0x02;
    if (f == "SCHED_FLAG_DL_OVERRUN") return 0x04;
    if (f == "SCHED_FLAG_KEEP_POLICY") return 0x08;
    if (f == "SCHED_FLAG_KEEP_PARAMS") return 0x10;
    if (f == "SCHED_FLAG_UTIL_CLAMP_MIN") return 0x20;
    if (f == "SCHED_FLAG_UTIL_CLAMP_MAX") return 0x40;
    return 0;
}

}  // namespace

void apply_scheduler(const sys::Kernel& k, const oci::Process& p) {
    if (!p.scheduler) return;
    const oci::Scheduler& s = *p.scheduler;
    int policy = policy_value(s.policy);
    if (policy < 0) throw Error("process.scheduler.policy: unknown policy \"" + s.policy + "\"");
    SchedAttr a {};
    a.size = sizeof a;
    a.sched_policy = static_cast<uint32_t>(policy);
    for (const auto& f : s.flags) a.sched_flags |= flag_value(f);
    a.sched_nice = s.nice.value_or(0);
    a.sched_priority = static_cast<uint32_t>(s.priority.value_or(0));
    a.sched_runtime = s.runtime.value_or(0);
    a.sched_deadline = s.deadline.value_or(0);
    a.sched_period = s.period.value_or(0);
    if (k.sched_setattr(0, &a, 0) < 0) throw_errno("process.scheduler: sched_setattr " + s.policy);
}

void apply_io_priority(const sys::Kernel& k, const oci::Process& p) {
    if (!p.ioPriority) return;
    // include/uapi/linux/ioprio.h
    const std::string& c = p.ioPriority->class_;
    int cls = c == "IOPRIO_CLASS_RT" ? 1 : c == "IOPRIO_CLASS_BE" ? 2 : c == "IOPRIO_CLASS_IDLE" ? 3 : -1;
    if (cls < 0) throw Error("process.ioPriority.class: unknown class \"" + c + "\"");
    const int value = (cls << 13) | (p.ioPriority->priority & 0xff);
    constexpr int IOPRIO_WHO_PROCESS = 1;
    if (k.ioprio_set(IOPRIO_WHO_PROCESS, 0, value) < 0)
        throw_errno("process.ioPriority: ioprio_set " + c + " " + std::to_string(p.ioPriority->priority));
}

}  // namespace ucrun::proc
