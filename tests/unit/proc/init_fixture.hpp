// A typical container for the init's steps (proc/init_steps.hpp) and the
// fake kernel's world around it: a config with hostname, domainname, one
// sysctl, rlimits, a cwd, a user with groups, no_new_privs; a plan with
// new UTS and network namespaces; a /proc that is a procfs.
#pragma once

#include <linux/magic.h>
#include <sched.h>

#include <string>
#include <vector>

#include "fake_kernel.hpp"
#include "ns/namespaces.hpp"
#include "oci/config.hpp"
#include "proc/init.hpp"
#include "security/capabilities.hpp"

namespace ucrun::test {

struct InitFixture {
    FakeKernel k;
    oci::Config cfg;
    ns::Plan plan;
    security::CapSets caps;
    proc::InitArgs a;

    InitFixture() {
        cfg.hostname = "box";
        cfg.domainname = "example.org";
        cfg.linux.emplace();
        cfg.linux->sysctl["net.ipv4.ip_forward"] = "1";
        oci::Process& p = cfg.process.emplace();
        p.args = {"/bin/sh"};
        p.env = {"PATH=/bin"};
        p.cwd = "/work";
        p.user.uid = 1000;
        p.user.gid = 100;
        p.user.additionalGids = {10, 20};
        p.user.umask = 022;
        p.rlimits = {{"RLIMIT_NOFILE", 1024, 4096}, {"RLIMIT_CORE", 0, 0}};
        p.noNewPrivileges = true;
        plan.new_flags = CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWNS;
        // Bounding keeps capability 0 only: 1..2 are dropped (last_cap 2).
        caps.bounding = caps.effective = caps.permitted = 1;

        a.rootfs.cfg = &cfg;
        a.rootfs.ns = &plan;
        a.caps = &caps;
        a.last_cap = 2;
        a.new_keyring = false;

        k.add_dir("/");
        k.add_dir("/proc");
        k.set_magic("/proc", PROC_SUPER_MAGIC);
        k.add_dir("/proc/sys");
        k.add_dir("/proc/sys/net");
        k.add_dir("/proc/sys/net/ipv4");
        k.add_file("/proc/sys/net/ipv4/ip_forward");
    }

    // The calls that change the process's own state, in order (the opens
    // and stats around them left out).
    std::vector<std::string> steps() const {
        return k.calls_of({"sethostname(", "setdomainname(", "keyctl(", "write(", "personality(", "fchdir(",
                           "setrlimit(", "prctl(", "setgroups(", "setresgid(", "setresuid(", "capset(", "umask(",
                           "set_mempolicy(", "sched_setattr(", "ioprio_set("});
    }
};

// The position of the first call starting with `prefix` in `calls`; fails
// the test when there is none.
inline size_t pos(const std::vector<std::string>& calls, const std::string& prefix) {
    for (size_t i = 0; i < calls.size(); ++i)
        if (calls[i].rfind(prefix, 0) == 0) return i;
    FAIL("no call " << prefix);
    return 0;
}

}  // namespace ucrun::test
