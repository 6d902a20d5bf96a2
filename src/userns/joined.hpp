// A user namespace joined by path whose mappings config.json repeats.
//
// config-linux.md "User namespace mappings" gives mappings for a new user
// namespace; a joined one already has its own. containerd 2 and CRI-O
// (Kubernetes pods with hostUsers: false) nevertheless send both the pod's
// user namespace path and the same mappings for every app container. Like
// runc (>= 1.2, libcontainer/configs/validate: "mismatched user namespace
// mappings"), ucrun accepts that when the mappings are those of the
// namespace and refuses it when they differ: anything else would use
// mappings (idmapped mounts, the ids the engine chose files for) that are
// not the ones the container runs under.
#pragma once

#include <string>
#include <vector>

#include "oci/config.hpp"

namespace ucrun::userns {

// The ranges of a /proc/<pid>/uid_map or gid_map ("first lower count" per
// line, padded with spaces). Throws ucrun::Error naming `file` on text
// that is not three numbers a line. Pure.
std::vector<oci::IDMapping> parse_map(const std::string& text, const std::string& file);

// The same ranges, in any order: the kernel prints a map of more than five
// ranges sorted (kernel/user_namespace.c sort_idmaps), not as written. Pure.
bool same_mapping(std::vector<oci::IDMapping> a, std::vector<oci::IDMapping> b);

// "0:100000:65536,65536:300000:1" (containerID:hostID:size, as podman's
// --uidmap writes them); "none" for an empty map. Pure.
std::string describe(const std::vector<oci::IDMapping>& m);

struct Maps {
    std::vector<oci::IDMapping> uids, gids;
};

// The mappings of the user namespace at `path`, as seen from ucrun's own
// user namespace (the view config.json's hostIDs are written in).
// /proc/<pid>/ns/user is read from /proc/<pid>/{uid,gid}_map through a
// descriptor of /proc/<pid> (a reused pid cannot swap the process between
// the two reads); any other path (a bind-mounted namespace file) through
// a short-lived child that setns(2)es into it. Errors name `field`
// (linux.namespaces[i].path).
Maps read_maps(const std::string& path, const std::string& field);

// When linux.namespaces joins a user namespace by path and
// linux.uidMappings / gidMappings are set: throws oci::SpecError naming
// the field that differs from the namespace, showing both mappings.
// Nothing to do otherwise. Run by create before anything is made.
void check_joined_mappings(const oci::Linux& l);

}  // namespace ucrun::userns
