#include "ns/rules.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include "oci/error.hpp"

namespace ucrun::ns {

namespace {

bool same_file(const sys::Kernel& k, const std::string& a, const char* b) {
    struct stat sa, sb;
    return k.fstatat(AT_FDCWD, a.c_str(), &sa, 0) == 0 && k.fstatat(AT_FDCWD, b, &sb, 0) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

void check_config(const sys::Kernel& k, const oci::Config& cfg, const Plan& plan) {
    if (!plan.has(CLONE_NEWNS))
        throw oci::SpecError("config.json", "linux.namespaces",
                             "a \"mount\" namespace is required: ucrun never changes the caller's mount namespace");
    if (cfg.linux)
        for (size_t i = 0; i < cfg.linux->namespaces.size(); ++i) {
            const oci::Namespace& n = cfg.linux->namespaces[i];
            if (n.type != "mount" || !n.path || n.path->empty()) continue;
            // A path that cannot be opened fails later, naming it, when the init joins it.
            if (same_file(k, *n.path, "/proc/self/ns/mnt") || same_file(k, *n.path, "/proc/1/ns/mnt"))
                throw oci::SpecError("config.json", "linux.namespaces[" + std::to_string(i) + "].path",
                                     "\"" + *n.path + "\" is the mount namespace of ucrun or of pid 1: "
                                     "ucrun never changes the caller's mount namespace");
        }
    if (!plan.has(CLONE_NEWUTS)) {
        if (cfg.hostname && !cfg.hostname->empty())
            throw oci::SpecError("config.json", "hostname", "unable to set hostname without a private UTS namespace");
        if (cfg.domainname && !cfg.domainname->empty())
            throw oci::SpecError("config.json", "domainname",
                                 "unable to set domainname without a private UTS namespace");
    }
}

}  // namespace ucrun::ns
