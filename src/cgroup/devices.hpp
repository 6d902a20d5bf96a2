// The device allow-list (config-linux.md "Allowed Device list").
//
// Rules are applied, in order, to a model of the v1 devices controller
// (Documentation/admin-guide/cgroup-v1/devices.rst), as runc's
// devices emulator does: a default (allow or deny every device) plus
// exceptions keyed by (type, major, minor). The result drives both the v1
// files (devices.allow / devices.deny) and the v2 eBPF program, so both
// layouts enforce the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <linux/bpf.h>

#include "oci/config.hpp"

namespace ucrun::cgroup {

// Access bits, as the kernel's BPF_DEVCG_ACC_* (include/uapi/linux/bpf.h).
enum : unsigned { kAccMknod = 1, kAccRead = 2, kAccWrite = 4, kAccAll = 7 };

struct DeviceRule {
    char type = 'a';     // a, c, b
    int64_t major = -1;  // -1: any
    int64_t minor = -1;
    unsigned access = kAccAll;
    bool allow = false;

    // v1 file syntax: "c 1:3 rwm", "a *:* rwm".
    std::string v1_string() const;
    bool operator==(const DeviceRule&) const = default;
};

// From the config. Throws Error naming linux.resources.devices[i] on a bad
// type or access string.
std::vector<DeviceRule> device_rules(const std::vector<oci::DeviceCgroup>&);

class DeviceState {
public:
    bool default_allow = false;  // a fresh state denies everything (runc buildEmulator)
    // (type, major, minor) -> access bits that differ from the default.
    std::map<std::tuple<char, int64_t, int64_t>, unsigned> exceptions;

    void apply(const DeviceRule&);
    static DeviceState from(const std::vector<DeviceRule>&);
    // From v1 devices.list. An allow-all cgroup lists only "a *:* rwm" (its
    // deny exceptions are not shown), so it reads as allow-all, no exceptions.
    static DeviceState from_v1_list(const std::string& text);

    // Rules that turn `from` into *this in v1 (runc Emulator.Transition):
    // when the default changes, or `from` allows by default (its deny list
    // is unknown), a disruptive "a *:* rwm" first, then every exception;
    // otherwise only the exceptions' differences.
    std::vector<DeviceRule> transition_from(const DeviceState& from, bool force_full) const;
};

// The BPF_PROG_TYPE_CGROUP_DEVICE program enforcing `state` (the decisions
// of runc/crun's devicefilter): an exception matching in type, access,
// major and minor gives its verdict; else the default. Returns 1 = allow,
// 0 = deny. Straight-line code, no branch (bpf_prog.cpp says why).
std::vector<bpf_insn> device_program(const DeviceState& state);

// runc's default device rules (specconv AllowedDevices): mknod of any char
// or block device; rwm on /dev/null, zero, full, tty, random, urandom, ptmx
// and pts/*. runc appends these after the config's rules; the caller may.
std::vector<oci::DeviceCgroup> default_device_rules();

}  // namespace ucrun::cgroup
