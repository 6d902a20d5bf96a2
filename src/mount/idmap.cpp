#include "mount/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount/mounter.hpp"
#include "mount/options.hpp"
#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/syscalls.hpp"
#include "userns/idmap.hpp"

namespace ucrun::mount {

namespace {

// The child holding a user namespace open until we have its fd: it waits
// for EOF on a pipe, then exits; reaped on every path.
struct Holder {
    pid_t pid = -1;
    Fd wake;  // write end: closing it releases the child
    ~Holder() {
        wake.reset();
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
    }
};

bool same(const std::vector<oci::IDMapping>& a, const std::vector<oci::IDMapping>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].containerID != b[i].containerID || a[i].hostID != b[i].hostID || a[i].size != b[i].size)
            return false;
    return true;
}

}  // namespace

bool wants_idmap(const oci::Mount& m) {
    if (!m.uidMappings.empty() || !m.gidMappings.empty()) return true;
    for (const auto& o : m.options)
        if (o == "idmap" || o == "ridmap") return true;
    return false;
}

Fd userns_with_mappings(const std::vector<oci::IDMapping>& uids, const std::vector<oci::IDMapping>& gids) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe");
    Fd rd(p[0]);
    Holder h;
    h.wake.reset(p[1]);
    struct clone_args ca {};
    ca.flags = CLONE_NEWUSER;
    ca.exit_signal = SIGCHLD;
    h.pid = sys::clone3(&ca);
    if (h.pid < 0) throw_errno("clone a user namespace for an idmapped mount");
    if (h.pid == 0) {
        ::close(p[1]);
        char c;
        while (::read(rd.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    rd.reset();
    // The runtime is host root: setgroups may stay "allow".
    userns::write_maps(h.pid, uids, gids, false);
    std::string path = "/proc/" + std::to_string(h.pid) + "/ns/user";
    Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw_errno("open " + path);
    return ns;
}

std::map<size_t, Fd> make_idmapped_mounts(const oci::Config& cfg, const std::string& bundle) {
    std::map<size_t, Fd> out;
    // One user namespace per distinct mapping.
    struct Cached {
        std::vector<oci::IDMapping> uids, gids;
        Fd ns;
    };
    std::vector<Cached> cache;
    Fd joined;  // a user namespace joined by path

    for (size_t i = 0; i < cfg.mounts.size(); ++i) {
        const oci::Mount& m = cfg.mounts[i];
        if (!wants_idmap(m)) continue;
        const std::string path = "mounts[" + std::to_string(i) + "]";
        Options o = parse_options(m, path);
        // runc 1.2: "id-mapped mounts are only supported for bind-mounts".
        if (!o.bind) throw oci::SpecError("config.json", path, "idmap is supported for bind mounts only");

        int userns_fd = -1;
        if (!m.uidMappings.empty()) {
            Cached* c = nullptr;
            for (auto& e : cache)
                if (same(e.uids, m.uidMappings) && same(e.gids, m.gidMappings)) c = &e;
            if (!c) {
                cache.push_back({m.uidMappings, m.gidMappings, userns_with_mappings(m.uidMappings, m.gidMappings)});
                c = &cache.back();
            }
            userns_fd = c->ns.get();
        } else {
            // config.md: without mappings on the mount, the container's
            // user namespace mapping.
            const oci::Namespace* u = cfg.linux ? cfg.linux->find_namespace("user") : nullptr;
            if (!u)
                throw oci::SpecError("config.json", path + ".options",
                                     "idmap requires uidMappings and gidMappings or a user namespace");
            if (u->path) {
                if (!joined) {
                    joined.reset(::open(u->path->c_str(), O_RDONLY | O_CLOEXEC));
                    if (!joined) throw_errno("open user namespace " + *u->path);
                }
                userns_fd = joined.get();
            } else {
                const auto& L = *cfg.linux;
                Cached* c = nullptr;
                for (auto& e : cache)
                    if (same(e.uids, L.uidMappings) && same(e.gids, L.gidMappings)) c = &e;
                if (!c) {
                    cache.push_back({L.uidMappings, L.gidMappings, userns_with_mappings(L.uidMappings, L.gidMappings)});
                    c = &cache.back();
                }
                userns_fd = c->ns.get();
            }
        }

        const std::string src = bind_source(bundle, m);
        const std::string display = "mount " + src + " on " + m.destination + " (" + path + ")";
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o.recursive ? AT_RECURSIVE : 0);
        Fd tree(sys::open_tree(AT_FDCWD, src.c_str(), flags));
        if (!tree) throw_errno("bind " + src + " for " + path);
        struct mount_attr attr {};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns_fd);
        if (sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (o.ridmap ? AT_RECURSIVE : 0), &attr) < 0)
            throw_errno("idmap " + display);
        set_attrs(tree.get(), o, false, display);
        out.emplace(i, std::move(tree));
    }
    return out;
}

}  // namespace ucrun::mount
