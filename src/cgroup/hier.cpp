#include "cgroup/hier.hpp"

#include <sys/statfs.h>

#include <linux/magic.h>

#include <algorithm>
#include <string_view>

#include "cgroup/fsio.hpp"
#include "sys/error.hpp"
#include "sys/mountinfo.hpp"

namespace ucrun::cgroup {

const char* to_string(Layout l) {
    switch (l) {
        case Layout::V1: return "v1";
        case Layout::V2: return "v2";
        case Layout::Hybrid: return "hybrid";
    }
    return "?";
}

Layout detect(const std::string& mountpoint) {
    struct statfs st {};
    if (::statfs(mountpoint.c_str(), &st) < 0) throw SysError("statfs " + mountpoint, errno);
    if (st.f_type == CGROUP2_SUPER_MAGIC) return Layout::V2;
    std::string unified = mountpoint + "/unified";
    if (::statfs(unified.c_str(), &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return Layout::Hybrid;
    return Layout::V1;
}

std::map<std::string, std::string> parse_proc_cgroup(const std::string& text) {
    // "hierarchy-ID:controller-list:cgroup-path"
    std::map<std::string, std::string> out;
    for (const auto& line : split(text, '\n')) {
        auto a = line.find(':');
        if (a == std::string::npos) continue;
        auto b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        out[line.substr(a + 1, b - a - 1)] = line.substr(b + 1);
    }
    return out;
}

std::string own_v2_path(const std::string& proc_cgroup) {
    auto m = parse_proc_cgroup(proc_cgroup);
    auto it = m.find("");
    return it == m.end() || it->second.empty() ? "/" : it->second;
}

std::vector<Hierarchy> parse_v1_hierarchies(const std::string& mountinfo, const std::string& proc_cgroup,
                                            const std::string& mountpoint) {
    auto own = parse_proc_cgroup(proc_cgroup);
    std::vector<Hierarchy> out;
    std::string_view text(mountinfo);
    for (size_t pos = 0, eol; pos < text.size(); pos = eol + 1) {
        eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        const std::string_view view = text.substr(pos, eol - pos);
        // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
        // Only a "cgroup" line is split into fields: a host running
        // containers has hundreds of other mounts, read on every create
        // (issue 17). The separator is the first " - " (the fields before it
        // escape blanks).
        const size_t sep = view.find(" - ");
        if (sep == std::string_view::npos || view.substr(sep + 3, 7) != "cgroup ") continue;
        // The line itself by the project's one mountinfo parser (sys/mountinfo.hpp).
        const auto m = sys::parse_mountinfo_line(view);
        if (!m || m->fstype != "cgroup" || dirname(m->mount_point) != mountpoint) continue;
        Hierarchy h;
        h.mount_dir = m->mount_point;
        h.mount_root = m->root;
        for (const auto& opt : split(m->super_options, ',')) {
            static const char* const generic[] = {"rw", "ro", "relatime", "noexec", "nosuid", "nodev",
                                                  "xattr", "clone_children", "noprefix", "cpuset_v2_mode"};
            bool skip = opt.empty() || opt.rfind("release_agent=", 0) == 0;
            for (const char* g : generic) skip = skip || opt == g;
            if (!skip) h.controllers.push_back(opt);
        }
        if (h.controllers.empty()) continue;
        bool dup = false;  // the same hierarchy mounted twice: keep the first
        for (const auto& o : out) dup = dup || o.controllers == h.controllers;
        if (dup) continue;
        // Own cgroup: the /proc/self/cgroup line lists the same controllers.
        std::string p = "/";
        for (const auto& [key, path] : own) {
            auto ctrls = split(key, ',');
            if (std::is_permutation(ctrls.begin(), ctrls.end(), h.controllers.begin(), h.controllers.end())) p = path;
        }
        if (h.mount_root != "/" && p.rfind(h.mount_root, 0) == 0) p = p.substr(h.mount_root.size());
        h.own = p.empty() ? "/" : p;
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace ucrun::cgroup
