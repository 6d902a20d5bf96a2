#include "container/ps.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "container/cgroups.hpp"
#include "sys/dir.hpp"

namespace ucrun::container {

namespace {

bool ns_of(pid_t pid, const char* type, struct stat& st) {
    return ::stat(("/proc/" + std::to_string(pid) + "/ns/" + type).c_str(), &st) == 0;
}

std::vector<pid_t> pid_ns_members(pid_t init) {
    std::vector<pid_t> out;
    struct stat want, self;
    if (!ns_of(init, "pid", want)) return out;
    if (ns_of(::getpid(), "pid", self) && self.st_ino == want.st_ino && self.st_dev == want.st_dev)
        return {init};  // the host's pid namespace: only the init is known to be the container's
    sys::Dir d{::opendir("/proc")};
    if (!d) return {init};
    while (struct dirent* e = ::readdir(d.get())) {
        if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
        pid_t p = static_cast<pid_t>(std::stol(e->d_name));
        struct stat st;
        if (ns_of(p, "pid", st) && st.st_ino == want.st_ino && st.st_dev == want.st_dev) out.push_back(p);
    }
    return out;
}

}  // namespace

std::vector<pid_t> container_pids(const state::Record& r) {
    std::vector<pid_t> pids;
    bool from_cgroup = false;
    if (r.cgroup) {
        auto cg = restore_cgroup(r);
        if (cg->enabled() && cg->exists()) {
            pids = cg->pids();
            from_cgroup = true;
        }
    }
    if (!from_cgroup && r.pid > 0 && state::process_start_time(r.pid) == r.pid_start_time) pids = pid_ns_members(r.pid);
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    return pids;
}

}  // namespace ucrun::container
