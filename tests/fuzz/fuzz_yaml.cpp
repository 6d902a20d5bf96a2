// /etc/ucrun/ucrun.yaml, the runtime configuration (yaml-cpp underneath).
#include "config/runtime_config.hpp"
#include "fuzz.hpp"
#include "sys/error.hpp"

UCRUN_FUZZ_TARGET(yaml) {
    try {
        (void)ucrun::config::parse_runtime_config(ucrun::fuzz::text(data, size), "/etc/ucrun/ucrun.yaml");
    } catch (const ucrun::Error&) {
    }
    return 0;
}
