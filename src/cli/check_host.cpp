#include "cli/check_host.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>

#include "oci/mount_options.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {

using oci::audit::HostPath;

std::optional<std::string> real_path(const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
    if (!real) return std::nullopt;
    return std::string(real.get());
}

// realpath(3) follows every symlink and "..", in order, as the bind mount
// would. A source that does not exist cannot be mounted, but is still judged
// where it points: its longest existing part resolved, plus the rest.
std::string resolve_existing(const std::string& path) {
    if (auto real = real_path(path)) return *real;
    std::string head = oci::audit::fold_path(path), tail;
    for (;;) {
        if (auto real = real_path(head)) return oci::audit::fold_path(*real + tail);
        if (head == "/") return oci::audit::fold_path(tail);  // realpath("/") fails: nothing resolves
        size_t slash = head.rfind('/');
        tail = head.substr(slash) + tail;
        head = slash == 0 ? "/" : head.substr(0, slash);
    }
}

HostPath resolve(const std::string& source, const std::string& bundle) {
    // config.md: a relative bind source is relative to the bundle (runc).
    const std::string path = source.empty() || source[0] != '/' ? bundle + "/" + source : source;
    HostPath hp;
    hp.resolved = resolve_existing(path);
    struct stat st {};
    if (::stat(hp.resolved.c_str(), &st) != 0) {
        hp.kind = HostPath::Kind::missing;
    } else if (S_ISDIR(st.st_mode)) {
        hp.kind = HostPath::Kind::directory;
    } else if (S_ISREG(st.st_mode)) {
        hp.kind = HostPath::Kind::file;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        hp.kind = HostPath::Kind::device;
    } else if (S_ISSOCK(st.st_mode)) {
        hp.kind = HostPath::Kind::socket;
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
    auto real = real_path(dir);
    if (!real) throw_errno("bundle " + dir);
    return *real;
}

std::string read_config(const std::string& bundle) {
    const std::string path = bundle + "/config.json";
    try {
        return sys::read_regular_file(path);  // a FIFO in its place must not hang us
    } catch (const SysError& e) {
        throw SysError("config.json: open " + path, e.code());
    } catch (const Error& e) {
        throw Error(std::string("config.json: ") + e.what());
    }
}

oci::audit::HostFacts host_facts(const oci::Config& cfg, const std::string& bundle) {
    oci::audit::HostFacts facts;
    for (const auto& m : cfg.mounts)
        facts.mount_sources.push_back(oci::is_bind_mount(m) && m.source
                                          ? std::optional<HostPath>(resolve(*m.source, bundle))
                                          : std::nullopt);
    if (cfg.linux)
        for (const auto& ns : cfg.linux->namespaces)
            facts.host_namespace.push_back(ns.path &&
                                           same_file(*ns.path, "/proc/self/ns/" + proc_ns_name(ns.type)));
    return facts;
}

}  // namespace ucrun::cli
