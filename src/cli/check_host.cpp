#include "cli/check_host.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <memory>

#include "oci/mount_options.hpp"
#include "sys/error.hpp"

namespace ucrun::cli {

namespace {

using oci::audit::HostPath;

std::optional<HostPath> resolve(const std::string& source, const std::string& bundle) {
    const std::string path = source.empty() || source[0] != '/' ? bundle + "/" + source : source;
    // realpath follows every symlink and "..", as the bind mount would.
    std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
    if (!real) return std::nullopt;
    HostPath hp;
    hp.resolved = real.get();
    struct stat st {};
    if (::stat(real.get(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) hp.kind = HostPath::Kind::directory;
        else if (S_ISREG(st.st_mode)) hp.kind = HostPath::Kind::file;
        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) hp.kind = HostPath::Kind::device;
        else if (S_ISSOCK(st.st_mode)) hp.kind = HostPath::Kind::socket;
    }
    return hp;
}

// /proc/self/ns names one namespace type differently from config.json.
std::string proc_ns_name(const std::string& type) {
    if (type == "network") return "net";
    if (type == "mount") return "mnt";
    return type;
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

}  // namespace

std::string real_bundle(const std::string& dir) {
    char buf[PATH_MAX];
    if (!::realpath(dir.c_str(), buf)) throw_errno("bundle " + dir);
    return buf;
}

oci::audit::HostFacts host_facts(const oci::Config& cfg, const std::string& bundle) {
    oci::audit::HostFacts facts;
    for (const auto& m : cfg.mounts)
        facts.mount_sources.push_back(oci::is_bind_mount(m) && m.source ? resolve(*m.source, bundle)
                                                                       : std::nullopt);
    if (cfg.linux)
        for (const auto& ns : cfg.linux->namespaces)
            facts.host_namespace.push_back(ns.path &&
                                           same_file(*ns.path, "/proc/self/ns/" + proc_ns_name(ns.type)));
    return facts;
}

}  // namespace ucrun::cli
