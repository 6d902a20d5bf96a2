// config.md "Mounts" options: the first line of the input is the mount's
// type ("bind", "tmpfs", ...; empty: none), the rest comma-separated options.
#include "fuzz.hpp"
#include "oci/error.hpp"
#include "oci/mount_options.hpp"

UCRUN_FUZZ_TARGET(mount_options) {
    const std::string_view in = ucrun::fuzz::text(data, size);
    const size_t nl = in.find('\n');
    oci::Mount m;
    m.destination = "/mnt";
    m.source = "/src";
    if (nl != std::string_view::npos) {
        if (nl > 0) m.type = std::string(in.substr(0, nl));
        m.options = ucrun::fuzz::split(in.substr(nl + 1), ',');
    } else {
        m.options = ucrun::fuzz::split(in, ',');
    }
    try {
        const oci::MountOptions o = oci::parse_mount_options(m, "mounts[0]");
        // No filesystem data on a bind mount (mount_options.hpp).
        if (o.bind) UCRUN_FUZZ_CHECK(o.data.empty());
        (void)o.data_string();
    } catch (const oci::SpecError&) {
    }
    return 0;
}
