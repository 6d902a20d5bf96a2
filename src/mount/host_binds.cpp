#include "mount/host_binds.hpp"

#include <fcntl.h>

#include "mount/mounter.hpp"
#include "mount/options.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

std::map<size_t, Fd> clone_host_binds(const sys::Kernel& k, const oci::Config& cfg, const std::string& bundle,
                                      const std::string& rootfs,
                                      const std::map<size_t, Fd>& made) {
    std::map<size_t, Fd> out;
    for (size_t i = 0; i < cfg.mounts.size(); ++i) {
        if (made.count(i)) continue;
        const oci::Mount& m = cfg.mounts[i];
        const std::string path = "mounts[" + std::to_string(i) + "]";
        const Options o = parse_options(m, path);
        if (!o.bind) continue;
        out.emplace(i,
                    clone_tree(k, AT_FDCWD, bind_source(bundle, m), o, rootfs + m.destination, path));
    }
    return out;
}

}  // namespace ucrun::mount
