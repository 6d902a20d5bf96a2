#include "proc/process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "mount/path.hpp"
#include "oci/validate.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"
#include "proc/scheduling.hpp"
#include "security/lsm.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace ucrun::proc {

void apply_rlimits(const sys::Kernel& k, const std::vector<oci::Rlimit>& rlimits) {
    for (const auto& r : rlimits) {
        int res = oci::rlimit_resource(r.type);
        struct rlimit rl {r.soft, r.hard};
        if (k.setrlimit(res, &rl) < 0) throw_errno("setrlimit " + r.type);
    }
}

void check_nofile_room(const sys::Kernel& k, const oci::Process& p, const char* what) {
    for (size_t i = 0; i < p.rlimits.size(); ++i) {
        const oci::Rlimit& r = p.rlimits[i];
        if (oci::rlimit_resource(r.type) != RLIMIT_NOFILE) continue;
        // The lowest free descriptor now is the lowest the later open(2)
        // can get: nothing is closed in between but what is opened for it.
        Fd probe(k.open("/", O_PATH | O_CLOEXEC));
        if (!probe) throw_errno(std::string("open ") + what);
        if (r.soft <= static_cast<uint64_t>(probe.get()))
            throw ConfigError("process.rlimits[" + std::to_string(i) + "]",
                              "RLIMIT_NOFILE soft limit " + std::to_string(r.soft) + " leaves no descriptor for " +
                                  what + " (it needs fd " + std::to_string(probe.get()) + ")",
                              EMFILE);
    }
}

void enter_cwd(const sys::Kernel& k, const oci::Process& p, bool create) {
    Fd root(k.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open /");
    Fd dir;
    if (create) {
        dir = mount::mkdir_in_root(k, root.get(), p.cwd, false, "process.cwd " + p.cwd);
    } else {
        dir = mount::open_in_root(k, root.get(), p.cwd, O_DIRECTORY);
        if (!dir) {
            // runc's wording (Go error strings are lower case).
            std::string why = std::strerror(errno);
            if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
            throw Error("chdir to cwd (\"" + p.cwd + "\") set in config.json failed: " + why);
        }
    }
    if (k.fchdir(dir.get()) < 0) throw_errno("chdir to process.cwd " + p.cwd);
    char buf[4096];
    if (!k.getcwd(buf, sizeof buf) || buf[0] != '/') throw Error("process.cwd " + p.cwd + ": outside the container");
}

void switch_user(const sys::Kernel& k, const oci::Process& p, const security::CapSets& caps, int last_cap,
                 bool set_groups) {
    security::drop_bounding(k, caps, last_cap);
    if (k.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
    if (set_groups) {
        std::vector<gid_t> gids(p.user.additionalGids.begin(), p.user.additionalGids.end());
        if (k.setgroups(gids.size(), gids.data()) < 0) throw_errno("setgroups process.user.additionalGids");
    }
    if (k.setresgid(p.user.gid, p.user.gid, p.user.gid) < 0)
        throw_errno("setresgid process.user.gid " + std::to_string(p.user.gid));
    if (k.setresuid(p.user.uid, p.user.uid, p.user.uid) < 0)
        throw_errno("setresuid process.user.uid " + std::to_string(p.user.uid));
    // Until its execve this process runs ucrun's image (/proc/<pid>/exe is
    // our binary: CVE-2019-5736) and has no seccomp filter yet when
    // noNewPrivileges loads it below. A change of uid or gid makes it
    // dumpable again at fs.suid_dumpable=1 (prctl(2) PR_SET_DUMPABLE), to
    // a ptrace by any process of that uid whose capabilities hold ours.
    // Every caller is non-dumpable here (init_main, container/exec.cpp):
    // made so again now, while KEEPCAPS still holds the whole permitted
    // set, so that no process of the container's capabilities could attach
    // in between. execve sets it as for any program.
    if (k.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
    if (k.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
    security::apply(k, caps);
    if (p.user.umask) k.umask(static_cast<mode_t>(*p.user.umask));
}

void close_extra_fds(const sys::Kernel& k, int preserve) {
    k.close_range(static_cast<unsigned>(3 + preserve), ~0U, CLOSE_RANGE_CLOEXEC);
}

void close_fds_but(const sys::Kernel& k, int preserve, std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned lo = static_cast<unsigned>(3 + preserve);
    for (int fd : keep) {
        if (fd < 0 || static_cast<unsigned>(fd) < lo) continue;
        if (static_cast<unsigned>(fd) > lo) k.close_range(lo, static_cast<unsigned>(fd) - 1, 0);
        lo = static_cast<unsigned>(fd) + 1;
    }
    k.close_range(lo, ~0U, 0);
}

void add_home_env(const sys::Kernel& k, std::vector<std::string>& env, uint32_t uid) {
    for (const auto& e : env)
        if (e.rfind("HOME=", 0) == 0) return;
    std::string home = "/";
    // The container's /etc/passwd, resolved inside the current root.
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    Fd root(k.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    Fd f(root ? k.openat2(root.get(), "etc/passwd", &how) : -1);
    struct stat st;
    if (f && k.fstat(f.get(), &st) == 0 && S_ISREG(st.st_mode)) {
        std::string text;
        char buf[4096];
        ssize_t n;
        while (text.size() < (1u << 20) && (n = k.read(f.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
        // name:passwd:uid:gid:gecos:home:shell
        size_t pos = 0;
        while (pos < text.size()) {
            size_t end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            std::string line = text.substr(pos, end - pos);
            pos = end + 1;
            std::vector<std::string> fields;
            size_t s = 0;
            for (;;) {
                size_t c = line.find(':', s);
                fields.push_back(line.substr(s, c == std::string::npos ? std::string::npos : c - s));
                if (c == std::string::npos) break;
                s = c + 1;
            }
            if (fields.size() < 6 || fields[2] != std::to_string(uid)) continue;
            if (!fields[5].empty()) home = fields[5];
            break;
        }
    }
    env.push_back("HOME=" + home);
}

void load_seccomp(const security::Program& prog, int listener, const std::string& process_state) {
    int notify_fd = security::load(prog);
    if (notify_fd < 0) return;
    Fd n(notify_fd);
    if (listener < 0) return;
    if (!sys::send_msg(listener, process_state, n.get()))
        throw_errno("send seccomp notify fd to linux.seccomp.listenerPath");
    ::close(listener);  // one state per connection: the agent reads to EOF
}

void finalize_process(const sys::Kernel& k, const oci::Process& p, const security::CapSets& caps, int last_cap,
                      bool set_groups, const security::Program* seccomp, int listener,
                      const std::string& process_state) {
    // LSM labels apply to the coming execve (attr/exec).
    if (p.apparmorProfile && !p.apparmorProfile->empty()) security::apply_apparmor_profile(*p.apparmorProfile);
    if (p.selinuxLabel && !p.selinuxLabel->empty()) security::set_selinux_exec_label(*p.selinuxLabel);
    apply_rlimits(k, p.rlimits);
    apply_scheduler(k, p);
    apply_io_priority(k, p);
    if (seccomp && !p.noNewPrivileges) load_seccomp(*seccomp, listener, process_state);
    switch_user(k, p, caps, last_cap, set_groups);
    if (p.noNewPrivileges && k.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_NO_NEW_PRIVS");
}

}  // namespace ucrun::proc
