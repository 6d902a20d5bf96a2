// `remap: default`: the `ucrun` system user and group and their subordinate
// ranges, made when missing, as dockerd does for `dockremap` (issue 12
// item 2). Touches host files: every path comes from HostFiles, so tests run
// it against a temporary copy of /etc, never the real one.
#pragma once

#include <cstdint>
#include <string>

#include "userns/subid.hpp"

namespace ucrun::userns {

inline constexpr const char* kDefaultUser = "ucrun";
// 256 blocks of 65536 ids: 256 containers at the default `size` at once.
// dockerd gives dockremap a single 65536 block because all its containers
// share it; per-container allocation needs many. 2^24 ids still leave the
// 32-bit id space mostly free for other users' ranges.
inline constexpr uint32_t kDefaultRangeSize = 1u << 24;
// New ranges start at a multiple of this (one block), at least kMinStart,
// as useradd's SUB_UID_MIN default (100000).
inline constexpr uint32_t kRangeAlign = 65536;
inline constexpr uint32_t kMinStart = 100000;

// Where a new range of `size` ids goes: above the end of every range in
// both files (whoever owns it) and at or above `floor` (one past the
// highest account id of passwd and group), rounded up to kRangeAlign, at
// least kMinStart. Throws ucrun::Error when it does not fit below
// 2^32 - 1. Pure.
uint32_t range_start_above(const SubidFile& subuid, const SubidFile& subgid, uint32_t size, uint64_t floor = 0);

// Makes sure user `name` and its group exist (groupadd/useradd --system
// from Debian's passwd package, with --prefix when files.prefix is set:
// the tools lock passwd/group themselves) and that it has a range in
// subuid and in subgid; a missing range gets `size` ids at
// range_start_above, appended while holding shadow's own lock files
// (<file>.lock, the link(2) protocol of shadow's commonio, so that a
// concurrent useradd/usermod waits for us and we for it). Idempotent:
// existing users, groups and ranges are left as they are. `name` must be a
// portable user name ([A-Za-z0-9_.-], not starting with '-', at most 32).
// Returns ranges_for(name).
Ranges ensure_default_user(const HostFiles& files = {}, const std::string& name = kDefaultUser,
                           uint32_t size = kDefaultRangeSize);

}  // namespace ucrun::userns
