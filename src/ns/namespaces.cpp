#include "ns/namespaces.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <algorithm>

#include "sys/error.hpp"
#include "sys/fd.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ucrun::ns {

namespace {
struct Entry {
    const char* type;
    const char* proc;
    unsigned long flag;
};
// config-linux.md "Namespaces": the types a runtime SHOULD support.
constexpr Entry kTable[] = {
    {"user", "user", CLONE_NEWUSER},   {"pid", "pid", CLONE_NEWPID},    {"network", "net", CLONE_NEWNET},
    {"mount", "mnt", CLONE_NEWNS},     {"ipc", "ipc", CLONE_NEWIPC},    {"uts", "uts", CLONE_NEWUTS},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};
}  // namespace

unsigned long clone_flag(const std::string& type) {
    for (const auto& e : kTable)
        if (type == e.type) return e.flag;
    return 0;
}

const char* proc_name(const std::string& type) {
    for (const auto& e : kTable)
        if (type == e.type) return e.proc;
    return "";
}

bool Plan::new_user() const { return new_flags & CLONE_NEWUSER; }
bool Plan::has(unsigned long flag) const { return (new_flags & flag) || (joined_flags() & flag); }
unsigned long Plan::joined_flags() const {
    unsigned long f = 0;
    for (const auto& j : joins) f |= j.flag;
    return f;
}

Plan plan(const oci::Linux* linux_cfg) {
    Plan p;
    if (!linux_cfg) return p;
    for (size_t i = 0; i < linux_cfg->namespaces.size(); ++i) {
        const oci::Namespace& n = linux_cfg->namespaces[i];
        unsigned long f = clone_flag(n.type);
        if (n.path && !n.path->empty()) p.joins.push_back({n.type, *n.path, f, i});
        else p.new_flags |= f;
    }
    // The user namespace is joined first: the other namespaces are owned by
    // it, and joining it gives the capabilities needed to join them.
    std::stable_sort(p.joins.begin(), p.joins.end(),
                     [](const Join& a, const Join& b) { return a.flag == CLONE_NEWUSER && b.flag != CLONE_NEWUSER; });
    return p;
}

namespace {
const char* type_of_flag(unsigned long flag) {
    for (const auto& e : kTable)
        if (e.flag == flag) return e.type;
    return nullptr;
}
}  // namespace

namespace {

std::string field_of(const Join& j) { return "linux.namespaces[" + std::to_string(j.index) + "].path"; }

// The namespace file of `j`, checked to be one of its type.
Fd open_joined(const Join& j) {
    const std::string field = field_of(j);
    // Non-blocking, no controlling tty: a FIFO or a device named as a
    // namespace must not hang or affect anything before its type is checked.
    Fd fd(::open(j.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd) throw ConfigError(field, "open " + j.type + " namespace " + j.path, errno);
    // NS_GET_NSTYPE (Linux 4.11; ucrun needs 5.8 for setns on a pidfd)
    // answers ENOTTY on a file that is not a namespace.
    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0 && errno == ENOTTY) throw ConfigError(field, j.path + " is not a namespace file");
    if (type >= 0 && static_cast<unsigned long>(type) != j.flag) {
        const char* is = type_of_flag(static_cast<unsigned long>(type));
        throw ConfigError(field, j.path + " is not a " + j.type + " namespace" +
                                     (is ? std::string(" (it is a ") + is + " namespace)" : std::string()));
    }
    return fd;
}

}  // namespace

void join(const Join& j) {
    Fd fd = open_joined(j);
    if (::setns(fd.get(), static_cast<int>(j.flag)) < 0)
        throw ConfigError(field_of(j), "join " + j.type + " namespace " + j.path, errno);
}

void join_for_children(const Plan& plan, ChildrenIn& in) {
    for (const auto& j : plan.joins) {
        if (j.flag != CLONE_NEWPID && j.flag != CLONE_NEWTIME) continue;
        Fd fd = open_joined(j);
        if (!in.enter(fd.get(), j.flag))
            throw ConfigError(field_of(j), "join " + j.type + " namespace " + j.path, errno);
    }
}

}  // namespace ucrun::ns
