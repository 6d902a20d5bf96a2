// What the namespaces of a config must allow, checked at create before
// anything is made: the settings that only a private namespace can hold,
// and the caller's mount namespace, which ucrun never changes.
#pragma once

#include "ns/namespaces.hpp"
#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::ns {

// Throws oci::SpecError naming the field:
// - linux.namespaces without "mount" (also `namespaces: []`, no `linux`):
//   every ucrun container gets its rootfs by pivot_root (or a move onto /)
//   and unmounts the old root, which without a mount namespace of its own
//   would take the root of the caller and of every process sharing its
//   mount namespace. config-linux.md "Namespaces" would have the container
//   inherit the runtime's namespace; ucrun refuses instead (runc 1.1.5
//   refuses such configs as soon as they have maskedPaths or readonlyPaths:
//   "unable to restrict sys entries without a private MNT namespace").
// - a "mount" path that is the caller's own mount namespace, or that of
//   pid 1 (of the caller's pid namespace): the same damage, by path.
// - hostname, domainname without a UTS namespace (new or joined): they
//   would change the host's names, or be ignored (runc: "unable to set
//   hostname without a private UTS namespace").
void check_config(const sys::Kernel& k, const oci::Config& cfg, const Plan& plan);

}  // namespace ucrun::ns
