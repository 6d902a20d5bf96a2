#include "ns/for_children.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/sanitizer.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ucrun::ns {

namespace {

bool same_file(const sys::Kernel& k, int a, int b) {
    struct stat sa {}, sb {};
    return k.fstat(a, &sa) == 0 && k.fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Whether we hold CAP_SYS_ADMIN over the namespace `ns_fd`: we are root
// (euid 0 with that capability, checked by the kernel at setns) of the
// user namespace that owns it (NS_GET_USERNS, Linux 4.9).
bool ours(const sys::Kernel& k, int ns_fd, int own_user) {
    Fd owner(k.ioctl(ns_fd, NS_GET_USERNS));
    return owner && same_file(k, owner.get(), own_user) && ::geteuid() == 0;
}

}  // namespace

void ChildrenIn::open_own() {
    opened_ = true;
    Fd user(k_.open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
    Fd pid(k_.open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    Fd time(k_.open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC));  // absent before Linux 5.6
    if (user && pid && ours(k_, pid.get(), user.get()) && (!time || ours(k_, time.get(), user.get()))) {
        can_return_ = true;
        own_pid_ = std::move(pid);
        own_time_ = std::move(time);
    }
}

bool ChildrenIn::enter(int target, unsigned long flags) {
    if (!flags) return true;
    if (!opened_) open_own();
    // No way back: LeakSanitizer's exit check would hang (see the header);
    // a sanitizer build checks now instead. A no-op otherwise.
    if (!can_return_ && !entered_) sys::leak_check_now();
    if (k_.setns(target, static_cast<int>(flags)) < 0) return false;
    entered_ |= flags;
    return true;
}

bool ChildrenIn::enter_for_good(int target, unsigned long flags) {
#ifdef UCRUN_LSAN
    // A sanitizer build keeps the way back, as enter(): LeakSanitizer's
    // check, run early, clones a helper the caller's caller would see as
    // a second child; at exit it needs our own pid namespace.
    return enter(target, flags);
#else
    if (!flags) return true;
    opened_ = true;  // can_return_ stays false: leave() does nothing
    if (k_.setns(target, static_cast<int>(flags)) < 0) return false;
    entered_ |= flags;
    return true;
#endif
}

void ChildrenIn::leave() {
    if (!can_return_) return;
    if ((entered_ & CLONE_NEWPID) && k_.setns(own_pid_.get(), CLONE_NEWPID) < 0)
        throw_errno("return to our own pid namespace");
    if ((entered_ & CLONE_NEWTIME) && own_time_ && k_.setns(own_time_.get(), CLONE_NEWTIME) < 0)
        throw_errno("return to our own time namespace");
    entered_ = 0;
}

}  // namespace ucrun::ns
