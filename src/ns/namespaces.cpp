#include "ns/namespaces.hpp"

#include <sched.h>

#include <algorithm>

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
    for (const auto& n : linux_cfg->namespaces) {
        unsigned long f = clone_flag(n.type);
        if (n.path && !n.path->empty()) p.joins.push_back({n.type, *n.path, f});
        else p.new_flags |= f;
    }
    // The user namespace is joined first: the other namespaces are owned by
    // it, and joining it gives the capabilities needed to join them.
    std::stable_sort(p.joins.begin(), p.joins.end(),
                     [](const Join& a, const Join& b) { return a.flag == CLONE_NEWUSER && b.flag != CLONE_NEWUSER; });
    return p;
}

}  // namespace ucrun::ns
