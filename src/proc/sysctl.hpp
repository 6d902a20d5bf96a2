// config-linux.md "Sysctl": kernel parameters of the container's
// namespaces. Only parameters that belong to a namespace the container has
// of its own may be set, otherwise they would change the host (runc's
// libcontainer/configs/validate sysctl rules):
//   net.*                          a network namespace (not the host's)
//   kernel.msg{max,mnb,mni}, kernel.sem, kernel.shm{all,max,mni},
//   kernel.shm_rmid_forced, fs.mqueue.*   an IPC namespace
//   kernel.domainname              a UTS namespace
//   user.*                         a user namespace (not the host's): the
//                                  limits of user_namespaces(7) are per
//                                  user namespace (runc 1.4)
//   kernel.hostname                refused: process.hostname says it (runc)
// Keys are dotted ("net.ipv4.ip_forward") or, as sysctl(8) also accepts,
// slashed ("net/ipv4/conf/eth0.100/forwarding", dots then belong to names).
#pragma once

#include <string>

#include "ns/namespaces.hpp"
#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

// Throws oci::SpecError naming linux.sysctl["key"]. Run by the parent
// before anything is made.
void check_sysctl(const oci::Config& cfg, const ns::Plan& plan);

// The path of `key` below /proc ("sys/net/ipv4/ip_forward"); throws
// oci::SpecError for keys that are not plain names ("", ".", "..").
std::string sysctl_path(const std::string& key);

// Writes every linux.sysctl entry through `procfd` (a procfs of the
// container's namespaces), with `k`'s openat and write.
void apply_sysctl(const sys::Kernel& k, const oci::Config& cfg, int procfd);

}  // namespace ucrun::proc
