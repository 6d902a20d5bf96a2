#include "proc/init_steps.hpp"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <string_view>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#include "proc/mempolicy.hpp"
#include "proc/process_setup.hpp"
#include "proc/sysctl.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::proc {

namespace {

void set_hostnames(const sys::Kernel& k, const oci::Config& cfg) {
    if (cfg.hostname && k.sethostname(cfg.hostname->data(), cfg.hostname->size()) < 0)
        throw ConfigError("hostname", "sethostname " + *cfg.hostname, errno);
    if (cfg.domainname && k.setdomainname(cfg.domainname->data(), cfg.domainname->size()) < 0)
        throw ConfigError("domainname", "setdomainname " + *cfg.domainname, errno);
}

// The host's /proc, opened before anything of the rootfs is mounted and
// checked to be the root of a procfs: writes to /proc files during setup
// go through it, never through a /proc the container's rootfs controls
// (CVE-2025-52881). Entries such as /proc/sys/net show the namespaces of
// the process that opens them, i.e. the container's.
Fd host_procfs(const sys::Kernel& k) {
    Fd fd(k.open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) throw_errno("open /proc");
    struct statfs sfs;
    struct statx stx;
    if (k.fstatfs(fd.get(), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC ||
        k.statx(fd.get(), "", AT_EMPTY_PATH, 0, &stx) < 0 ||
        ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)))
        throw Error("/proc is not a procfs mount");
    return fd;
}

void apply_personality(const sys::Kernel& k, const oci::Config& cfg) {
    if (!cfg.linux || !cfg.linux->personality) return;
    unsigned long persona = cfg.linux->personality->domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    if (k.personality(persona) < 0)
        throw ConfigError("linux.personality.domain", "personality " + cfg.linux->personality->domain, errno);
}

}  // namespace

void become_ns_root(const sys::Kernel& k, bool set_groups) {
    if (k.setresgid(0, 0, 0) < 0 && errno != EINVAL) throw_errno("setresgid 0");
    if (k.setresuid(0, 0, 0) < 0 && errno != EINVAL) throw_errno("setresuid 0");
    // The new ids (root of the user namespace, another host uid) make us
    // dumpable again at fs.suid_dumpable=1 (prctl(2)), through the hooks'
    // wait and the rootfs setup to switch_user: not dumpable again at once,
    // as there (proc/process_setup.cpp).
    if (k.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
    if (set_groups && k.setgroups(0, nullptr) < 0 && errno != EPERM) throw_errno("setgroups");
}

bool groups_settable(const sys::Kernel& k, const oci::Process& p) {
    Fd f(k.open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!f) throw_errno("open /proc/self/setgroups");
    char buf[16];  // "allow\n" or "deny\n", in one read
    const ssize_t n = k.read(f.get(), buf, sizeof buf);
    if (n < 0) throw_errno("read /proc/self/setgroups");
    const bool allowed = std::string_view(buf, static_cast<size_t>(n)).rfind("allow", 0) == 0;
    if (!allowed && !p.user.additionalGids.empty())
        throw ConfigError("process.user.additionalGids",
                          "cannot be set: setgroups is denied in the container's user namespace (a rootless "
                          "gid mapping of your own gid only; map a range from /etc/subgid instead)");
    return allowed;
}

void enter_new_time_ns(const sys::Kernel& k, const oci::Config& cfg) {
    if (k.unshare(CLONE_NEWTIME) < 0) throw_errno("unshare time namespace");
    if (cfg.linux && !cfg.linux->timeOffsets.empty()) {
        std::string s;
        for (const auto& [clock, off] : cfg.linux->timeOffsets)
            s += clock + " " + std::to_string(off.secs.value_or(0)) + " " + std::to_string(off.nanosecs.value_or(0)) + "\n";
        try {
            sys::write_file_at(k, AT_FDCWD, "/proc/self/timens_offsets", s);
        } catch (const SysError& e) {
            throw ConfigError("linux.timeOffsets", "write /proc/self/timens_offsets", e.code());
        }
    }
    Fd ns(k.open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
    if (!ns || k.setns(ns.get(), CLONE_NEWTIME) < 0) throw_errno("enter time namespace");
}

Fd settle_namespaces(const sys::Kernel& k, const InitArgs& a) {
    const oci::Config& cfg = a.cfg();
    if (a.ns().has(CLONE_NEWUTS)) set_hostnames(k, cfg);
    // runc: a fresh session keyring per container. Kernels without
    // keyrings in the user namespace refuse: not fatal.
    if (a.new_keyring) k.keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
    Fd procfd = host_procfs(k);
    apply_sysctl(k, cfg, procfd.get());
    return procfd;
}

std::vector<std::string> prepare_process(const sys::Kernel& k, const InitArgs& a, bool set_groups,
                                         const std::string& process_state) {
    const oci::Config& cfg = a.cfg();
    const oci::Process& p = *cfg.process;
    apply_personality(k, cfg);
    enter_cwd(k, p);
    // runc (setupUser): HOME from the container's /etc/passwd when unset.
    std::vector<std::string> env = p.env;
    add_home_env(k, env, p.user.uid);
    if (cfg.linux && cfg.linux->memoryPolicy) apply_memory_policy(k, *cfg.linux->memoryPolicy);
    if (a.seccomp_listener >= 0) check_nofile_room(k, p, "the seccomp notify fd for linux.seccomp.listenerPath");
    if (a.exec_fifo >= 0) check_nofile_room(k, p, "the exec FIFO");
    finalize_process(k, p, *a.caps, a.last_cap, set_groups, a.seccomp, a.seccomp_listener, process_state);
    return env;
}

}  // namespace ucrun::proc
