// The allocation registry of remapped containers' id blocks (issue 12
// item 2): <registry>/allocations.json, guarded by a flock on
// <registry>/lock and replaced atomically (temp + rename).
//
// One registry serves every state root (kHostRegistry, in ucrun's default
// root): the blocks are carved from one host-wide subordinate range, and
// engines each pass their own --root (dockerd /run/docker/runtime-runc/moby,
// containerd /run/containerd/runc/<ns>, podman /run/runc...), so registries
// per root would hand the same ids to containers of two engines. An entry
// is keyed by the container's state directory, <root>/<id>. ".userns" is
// not a valid container id, so the state store never lists it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "userns/subid.hpp"

namespace ucrun::userns {

enum class Mode {
    PerContainer,  // a block of its own for each container, disjoint from every other
    Shared,        // the user's first range for every container (dockerd's userns-remap)
};

// Host ids of a container: container uid 0 is host uid `uid.start`, and so
// on for uid.count ids; the same for gids.
struct Block {
    IdRange uid, gid;
    bool operator==(const Block&) const = default;
};

// /run is a tmpfs: the registry goes with the containers at reboot.
inline constexpr const char* kHostRegistry = "/run/ucrun/.userns";

class Allocator {
public:
    // Containers of state root `root` (made absolute), in the registry
    // directory `registry` (default: <root>/.userns, for tests).
    explicit Allocator(std::string root, std::string registry = {});

    // The block of container `id` (checked as a container id), carved
    // first-fit from `ranges` (per-container: `size` uids and `size` gids
    // disjoint from every other container's block, shared ones included;
    // shared: the first uid and gid ranges, cut to `size`). An id that has a
    // block gets the same one back; asking it for another size, mode or
    // user is an error. Before carving, blocks of containers that are gone
    // are dropped (see reclaimable). Exhaustion throws ucrun::Error naming
    // the user, the subuid/subgid file, the ranges, the size and how many
    // blocks are taken. `*created` (when given) says whether this call made
    // the block: only then may its caller release it on failure.
    Block allocate(const std::string& id, const Ranges& ranges, uint32_t size, Mode mode, bool* created = nullptr);
    // Frees the block of `id`; nothing when it has none.
    void release(const std::string& id);
    // The block of `id`, if any (no lock is needed to read: the file is replaced atomically).
    std::optional<Block> find(const std::string& id) const;

    const std::string& registry() const { return file_; }

private:
    std::string key(const std::string& id) const;  // <root>/<id>, id checked

    std::string root_, dir_, file_;
};

// A block is reclaimable when `container_dir` (<root>/<id>) does not exist and the process
// that allocated it (pid and /proc start time, recorded at allocate) is gone:
// a create that crashed between allocate and making its directory leaks
// nothing past its own death, and a create still running between the two
// keeps its block. Once the directory exists, the block lives until
// release (delete) or until the directory goes.
bool reclaimable(const std::string& container_dir, pid_t pid, uint64_t start_time);

}  // namespace ucrun::userns
