// A container's rootfs as the fake kernel sees it, for the tests of
// mount/rootfs.cpp and mount/devices.cpp: the config of `ucrun spec`
// (oci::default_spec), a bundle at /b with its rootfs at /b/rootfs holding
// the directories a busybox image has.
#pragma once

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fake_kernel.hpp"
#include "mount/rootfs.hpp"
#include "ns/namespaces.hpp"
#include "oci/config.hpp"
#include "oci/default_spec.hpp"
#include "oci/parse.hpp"

namespace ucrun::test {

using Calls = std::vector<std::string>;

inline bool contains(const Calls& calls, const std::string& c) {
    for (const auto& x : calls)
        if (x == c) return true;
    return false;
}

// The position of the first record equal to `c` at or after `from`
// (calls.size() if none).
inline size_t index_of(const Calls& calls, const std::string& c, size_t from = 0) {
    for (size_t i = from; i < calls.size(); ++i)
        if (calls[i] == c) return i;
    return calls.size();
}

// Each of `seq` is in `calls`, in that order (not necessarily adjacent).
inline void check_in_order(const Calls& calls, const Calls& seq) {
    size_t at = 0;
    for (const auto& c : seq) {
        CAPTURE(c);
        const size_t i = index_of(calls, c, at);
        CHECK(i < calls.size());
        if (i < calls.size()) at = i + 1;
    }
}

// A mount of config.json; `type` unset for a bind ("bind" in its options).
inline oci::Mount make_mount(std::string destination, std::optional<std::string> source,
                             std::vector<std::string> options, std::optional<std::string> type = std::nullopt) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.source = std::move(source);
    m.options = std::move(options);
    m.type = std::move(type);
    return m;
}

struct RootfsFixture {
    FakeKernel k;
    oci::Config cfg = oci::parse_config(oci::default_spec(false));
    ns::Plan plan;
    mount::RootfsSpec spec;
    std::vector<std::string> debug;

    RootfsFixture() {
        for (const char* d : {"/", "/b", "/b/rootfs", "/b/rootfs/proc", "/b/rootfs/dev", "/b/rootfs/sys",
                              "/b/rootfs/etc", "/b/rootfs/tmp", "/b/rootfs/usr"})
            k.add_dir(d);
        // The host's devices, bound in a user namespace.
        for (const char* d : {"/dev", "/proc", "/sys", "/sys/fs", "/sys/fs/cgroup"}) k.add_dir(d);
        k.add_chr("/dev/null", 1, 3);
        k.add_chr("/dev/zero", 1, 5);
        k.add_chr("/dev/full", 1, 7);
        k.add_chr("/dev/random", 1, 8);
        k.add_chr("/dev/urandom", 1, 9);
        k.add_chr("/dev/tty", 5, 0);
        k.add_chr("/dev/fuse", 10, 229);
        k.add_file("/proc/kcore");
        reset_spec();
    }
    // config.json's mounts are `mounts`.
    void set_mounts(std::vector<oci::Mount> mounts) {
        cfg.mounts = std::move(mounts);
        reset_spec();
    }
    // After a change of cfg.
    void reset_spec() {
        plan = ns::plan(cfg.linux ? &*cfg.linux : nullptr);
        spec.cfg = &cfg;
        spec.bundle = "/b";
        spec.rootfs = "/b/rootfs";
        spec.ns = &plan;
        spec.debug = [this](const std::string& l) { debug.push_back(l); };
    }
};

}  // namespace ucrun::test
