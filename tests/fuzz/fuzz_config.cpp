// config.json: the document guard, the typed parser, the validator and the
// mount-option parser over every mount, as `ucrun create` runs them.
#include <nlohmann/json.hpp>

#include "fuzz.hpp"
#include "oci/mount_options.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"

UCRUN_FUZZ_TARGET(config) {
    try {
        const nlohmann::json doc = oci::parse_document(ucrun::fuzz::text(data, size));
        const oci::Config cfg = oci::parse_config(doc);
        oci::validate(cfg);
        oci::check_host_root_mapping(cfg, false);
        for (size_t i = 0; i < cfg.mounts.size(); ++i)
            (void)oci::parse_mount_options(cfg.mounts[i], "mounts[" + std::to_string(i) + "]");
    } catch (const oci::SpecError&) {
    }
    return 0;
}
