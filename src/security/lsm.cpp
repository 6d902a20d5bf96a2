// See lsm.hpp. Spec: config.md "Linux Process" (apparmorProfile, selinuxLabel).
#include "security/lsm.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::security {

namespace {

constexpr long kSelinuxMagic = 0xf97cff8c;

// Writes `value` to the first of `paths` that exists. Returns false when none
// exists (ENOENT); throws on other errors.
bool write_attr(const std::vector<std::string>& paths, const std::string& value, const std::string& what) {
    for (const auto& p : paths) {
        Fd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT) continue;
            throw_errno(what + ": open " + p);
        }
        ssize_t n;
        do n = ::write(fd.get(), value.data(), value.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) throw_errno(what + ": write \"" + value + "\" to " + p);
        if (static_cast<size_t>(n) != value.size()) throw Error(what + ": short write to " + p);
        return true;
    }
    return false;
}

}  // namespace

bool apparmor_enabled(const LsmPaths& p) {
    std::ifstream f(p.sys + "/module/apparmor/parameters/enabled");
    char c = 0;
    return f.get(c) && c == 'Y';
}

bool selinux_enabled(const LsmPaths& p) {
    struct statfs st {};
    if (::statfs((p.sys + "/fs/selinux").c_str(), &st) == 0 && static_cast<long>(st.f_type) == kSelinuxMagic) return true;
    std::ifstream mi(p.proc + "/self/mountinfo");
    std::string line;
    while (std::getline(mi, line))
        if (line.find(" - selinuxfs ") != std::string::npos) return true;
    return false;
}

void apply_apparmor_profile(const std::string& profile, const LsmPaths& p) {
    if (profile.empty()) return;
    const std::string what = "process.apparmorProfile";
    if (!apparmor_enabled(p)) throw Error(what + ": AppArmor is not enabled on this host");
    // runc (apparmor.changeOnExec): "exec <profile>" to the apparmor-specific
    // attr file (kernel >= 5.8, LSM stacking), else the legacy attr/exec.
    const std::vector<std::string> paths = {
        p.proc + "/thread-self/attr/apparmor/exec",
        p.proc + "/thread-self/attr/exec",
        p.proc + "/self/attr/apparmor/exec",
        p.proc + "/self/attr/exec",
    };
    if (!write_attr(paths, "exec " + profile, what + " \"" + profile + "\""))
        throw Error(what + ": no attr/exec file under " + p.proc + " (is procfs mounted?)");
}

void set_selinux_exec_label(const std::string& label, const LsmPaths& p) {
    if (label.empty()) return;
    const std::string what = "process.selinuxLabel";
    if (!selinux_enabled(p)) throw Error(what + ": SELinux is not enabled on this host");
    const std::vector<std::string> paths = {p.proc + "/thread-self/attr/exec", p.proc + "/self/attr/exec"};
    if (!write_attr(paths, label, what + " \"" + label + "\""))
        throw Error(what + ": no attr/exec file under " + p.proc + " (is procfs mounted?)");
}

bool apparmor_enabled() { return apparmor_enabled(LsmPaths{}); }
bool selinux_enabled() { return selinux_enabled(LsmPaths{}); }
void apply_apparmor_profile(const std::string& profile) { apply_apparmor_profile(profile, LsmPaths{}); }
void set_selinux_exec_label(const std::string& label) { set_selinux_exec_label(label, LsmPaths{}); }

}  // namespace ucrun::security
