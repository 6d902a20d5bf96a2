#include "proc/sysctl.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <vector>

#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

namespace {

std::string field(const std::string& key) { return "linux.sysctl[" + oci::excerpt(key) + "]"; }  // bounded

std::vector<std::string> components(const std::string& key) {
    const char sep = key.find('/') != std::string::npos ? '/' : '.';
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = key.find(sep, start);
        out.push_back(key.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    for (const auto& c : out)
        if (c.empty() || c == "." || c == ".." || c.find('\0') != std::string::npos)
            throw oci::SpecError("config.json", field(key), "not a valid sysctl name");
    return out;
}

// The namespace given by path is the one ucrun runs in ("host"); `type`
// is the config's ("network"), `proc` its name under /proc/self/ns ("net").
bool is_current_ns(const std::string& path, const char* type, const char* proc) {
    struct stat a, b;
    if (::stat(path.c_str(), &a) < 0) throw SysError(std::string("open ") + type + " namespace " + path, errno);
    const std::string own = std::string("/proc/self/ns/") + proc;
    if (::stat(own.c_str(), &b) < 0) throw SysError("stat " + own, errno);
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// `key` needs a namespace of `type` of the container's own: new, or
// joined by a path that is not the one ucrun runs in.
void require_own(const oci::Config& cfg, const ns::Plan& plan, const std::string& key, unsigned long flag,
                 const char* type, const char* proc) {
    if (!plan.has(flag)) throw oci::SpecError("config.json", field(key), "requires a " + std::string(type) + " namespace");
    const oci::Namespace* n = cfg.linux->find_namespace(type);
    if (n && n->path && is_current_ns(*n->path, type, proc))
        throw oci::SpecError("config.json", field(key),
                             "requires a " + std::string(type) + " namespace other than the host's (" + *n->path + ")");
}

}  // namespace

std::string sysctl_path(const std::string& key) {
    std::string p = "sys";
    for (const auto& c : components(key)) p += "/" + c;
    return p;
}

void check_sysctl(const oci::Config& cfg, const ns::Plan& plan) {
    if (!cfg.linux) return;
    static const char* const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",   "kernel.sem",
                                      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (const auto& [key, value] : cfg.linux->sysctl) {
        std::vector<std::string> c = components(key);
        std::string dotted;
        for (const auto& x : c) dotted += (dotted.empty() ? "" : ".") + x;
        if (c[0] == "net") {
            require_own(cfg, plan, key, CLONE_NEWNET, "network", "net");
            continue;
        }
        if (c[0] == "user") {
            // /proc/sys/user/max_*: the limits of the writer's own user
            // namespace (kernel/ucount.c), so only with one of the
            // container's: otherwise the host's limits would change.
            require_own(cfg, plan, key, CLONE_NEWUSER, "user", "user");
            continue;
        }
        bool is_ipc = c[0] == "fs" && c.size() > 1 && c[1] == "mqueue";
        for (const char* k : ipc) is_ipc |= dotted == k;
        if (is_ipc) {
            if (!plan.has(CLONE_NEWIPC)) throw oci::SpecError("config.json", field(key), "requires an IPC namespace");
            continue;
        }
        if (dotted == "kernel.domainname" || dotted == "kernel.hostname") {
            if (!plan.has(CLONE_NEWUTS)) throw oci::SpecError("config.json", field(key), "requires a UTS namespace");
            if (dotted == "kernel.hostname")
                throw oci::SpecError("config.json", field(key), "conflicts with the hostname field: set hostname");
            continue;
        }
        throw oci::SpecError("config.json", field(key),
                             "is not in a namespace of the container: it would change the host");
    }
}

void apply_sysctl(const sys::Kernel& k, const oci::Config& cfg, int procfd) {
    if (!cfg.linux) return;
    for (const auto& [key, value] : cfg.linux->sysctl) {
        const std::string rel = sysctl_path(key);
        // Resolved below procfd only: the components are plain names, and
        // /proc/sys has no symlinks.
        Fd fd(k.openat(procfd, rel.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
        if (!fd) throw ConfigError(field(key), "open /proc/" + rel, errno);
        if (!sys::write_all(k, fd.get(), value)) throw ConfigError(field(key), "write \"" + value + "\"", errno);
    }
}

}  // namespace ucrun::proc
