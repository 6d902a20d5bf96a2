#include "mount/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "mount/idmap_support.hpp"
#include "mount/mounter.hpp"
#include "mount/options.hpp"
#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"
#include "sys/mountinfo.hpp"
#include "sys/syscalls.hpp"
#include "userns/idmap.hpp"

namespace ucrun::mount {

namespace {

// The child holding a user namespace open until we have its fd: it waits
// for EOF on a pipe, then exits; reaped on every path.
struct Holder {
    explicit Holder(const sys::Kernel& kernel) : k(kernel) {}
    const sys::Kernel& k;
    pid_t pid = -1;
    Fd wake;  // write end: closing it releases the child
    ~Holder() {
        wake.reset();
        if (pid > 0) {
            k.kill(pid, SIGKILL);
            while (k.waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
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


Fd idmapped_bind(const sys::Kernel& k, const oci::Mount& m, const Options& o, const std::string& bundle,
                 const std::string& path,
                 int userns_fd) {
    const std::string src = bind_source(bundle, m);
    const std::string display = "mount " + src + " on " + m.destination + " (" + path + ")";
    Fd at(k.open(src.c_str(), O_PATH | O_CLOEXEC));
    if (!at) throw_errno("bind " + src + " for " + path);
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (o.recursive ? AT_RECURSIVE : 0);
    Fd tree(k.open_tree(at.get(), "", flags));
    if (!tree) throw_errno("bind " + src + " for " + path);
    struct mount_attr attr = idmap_attr(userns_fd);
    if (k.mount_setattr(tree.get(), "", AT_EMPTY_PATH | (o.ridmap ? AT_RECURSIVE : 0), &attr) < 0) {
        int err = errno;
        // EINVAL: a file system without idmapped mounts (fs_type.hpp); say
        // which one rather than "Invalid argument" (crun#1380).
        if (err == EINVAL) {
            const auto mi = read_mountinfo(k);
            // With ridmap on an rbind, a submount may be the one at fault.
            throw oci::SpecError("config.json", path,
                                 "cannot idmap the bind of " + src + ": " +
                                     idmap_blocker(k, at.get(), src, o.recursive && o.ridmap, userns_fd, mi) +
                                     " (mount_setattr: " + std::strerror(err) + ")");
        }
        throw SysError("idmap " + display, err);
    }
    set_attrs(k, tree.get(), o, false, display);
    return tree;
}

// A new tmpfs, made here (host root, before clone3) so that it can be
// idmapped: mount_setattr needs CAP_SYS_ADMIN over the user namespace owning
// the superblock, and one made by the init in the container's user namespace
// would be owned by it, which cannot be changed afterwards. Its data options
// (size=, mode=, nr_inodes=, uid=, gid=) are read here, in the host's user
// namespace: uid= and gid= are ids as stored in the tmpfs, which the mount's
// mapping then shows like any stored id. With the container's own mappings
// (idmap without uidMappings) that is what they mean on a tmpfs mounted by
// the container itself: uid=1000 is the container's user 1000. The init
// attaches it and does the rest (a directory's mode, tmpcopyup:
// mount/rootfs.cpp). tmpfs supports idmapped mounts since Linux 6.3.
Fd idmapped_tmpfs(const sys::Kernel& k, const oci::Config& cfg, const oci::Mount& m, const Options& o,
                  const std::string& path,
                  int userns_fd) {
    const std::string display = "tmpfs on " + m.destination + " (" + path + ")";
    Options fo = o;
    add_mount_label(cfg, "tmpfs", fo);
    Fd mnt = new_fs(k, "tmpfs", m.source.value_or("tmpfs"), fo, display, path);
    struct mount_attr attr = idmap_attr(userns_fd);
    if (k.mount_setattr(mnt.get(), "", AT_EMPTY_PATH, &attr) < 0) {
        int err = errno;
        if (err == EINVAL)
            throw oci::SpecError("config.json", path,
                                 "cannot idmap a tmpfs: the kernel does not support idmapped mounts on tmpfs "
                                 "(Linux 6.3 or later does; mount_setattr: " + std::string(std::strerror(err)) + ")");
        throw SysError("idmap " + display, err);
    }
    return mnt;
}

}  // namespace

bool wants_idmap(const oci::Mount& m) {
    return !m.uidMappings.empty() || !m.gidMappings.empty() || oci::has_idmap_option(m);
}

Fd userns_with_mappings(const sys::Kernel& k, const std::vector<oci::IDMapping>& uids,
                        const std::vector<oci::IDMapping>& gids) {
    int p[2];
    if (k.pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe");
    Fd rd(p[0]);
    Holder h(k);
    h.wake.reset(p[1]);
    struct clone_args ca {};
    ca.flags = CLONE_NEWUSER;
    ca.exit_signal = SIGCHLD;
    h.pid = k.clone3(&ca, sizeof ca);
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
    userns::write_maps(k, h.pid, uids, gids, false);
    std::string path = "/proc/" + std::to_string(h.pid) + "/ns/user";
    Fd ns(k.open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw_errno("open " + path);
    return ns;
}

std::map<size_t, Fd> make_idmapped_mounts(const sys::Kernel& k, const oci::Config& cfg, const std::string& bundle) {
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
        // Which mounts can be idmapped is oci::validate's rule (bind and
        // tmpfs); checked again here, where it matters.
        if (!o.bind && m.type.value_or("") != "tmpfs")
            throw oci::SpecError("config.json", path, "idmap is supported for bind and tmpfs mounts only");

        int userns_fd = -1;
        if (!m.uidMappings.empty()) {
            Cached* c = nullptr;
            for (auto& e : cache)
                if (same(e.uids, m.uidMappings) && same(e.gids, m.gidMappings)) c = &e;
            if (!c) {
                cache.push_back({m.uidMappings, m.gidMappings, userns_with_mappings(k, m.uidMappings, m.gidMappings)});
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
                    joined.reset(k.open(u->path->c_str(), O_RDONLY | O_CLOEXEC));
                    if (!joined) throw_errno("open user namespace " + *u->path);
                }
                userns_fd = joined.get();
            } else {
                const auto& L = *cfg.linux;
                Cached* c = nullptr;
                for (auto& e : cache)
                    if (same(e.uids, L.uidMappings) && same(e.gids, L.gidMappings)) c = &e;
                if (!c) {
                    cache.push_back(
                        {L.uidMappings, L.gidMappings, userns_with_mappings(k, L.uidMappings, L.gidMappings)});
                    c = &cache.back();
                }
                userns_fd = c->ns.get();
            }
        }

        out.emplace(i, o.bind ? idmapped_bind(k, m, o, bundle, path, userns_fd)
                              : idmapped_tmpfs(k, cfg, m, o, path, userns_fd));
    }
    return out;
}

}  // namespace ucrun::mount
