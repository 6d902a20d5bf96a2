// config-linux.md "Namespaces": which namespaces the container gets, new
// (clone/unshare flags) or joined (setns on a path).
#pragma once

#include <string>
#include <vector>

#include "ns/for_children.hpp"
#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::ns {

// "network" -> CLONE_NEWNET, ...; 0 for unknown types.
unsigned long clone_flag(const std::string& type);
// "network" -> "net" (the name under /proc/<pid>/ns/)
const char* proc_name(const std::string& type);

struct Join {
    std::string type;
    std::string path;
    unsigned long flag;
    size_t index = 0;  // in linux.namespaces, for errors
};

struct Plan {
    unsigned long new_flags = 0;  // CLONE_NEW* for namespaces without a path
    std::vector<Join> joins;      // namespaces given by path, user first
    bool new_user() const;
    bool has(unsigned long flag) const;  // new or joined
    unsigned long joined_flags() const;
};

Plan plan(const oci::Linux* linux_cfg);

// setns(2) into the namespace at j.path, after checking that the file is a
// namespace of j.type (NS_GET_NSTYPE): setns with a wrong type only says
// EINVAL. Errors name linux.namespaces[i].path (sys/error.hpp ConfigError).
void join(const sys::Kernel& k, const Join& j);
// The same for the pid and time namespaces of `plan`, which apply to our
// children only: entered through `in`, which leaves them again
// (ns/for_children.hpp).
void join_for_children(const sys::Kernel& k, const Plan& plan, ChildrenIn& in);

}  // namespace ucrun::ns
