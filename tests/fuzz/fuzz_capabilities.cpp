// process.capabilities names: one name a line, put in all five sets and
// resolved against the newest kernel's last capability.
#include "fuzz.hpp"
#include "oci/names.hpp"
#include "security/capabilities.hpp"
#include "sys/error.hpp"

UCRUN_FUZZ_TARGET(capabilities) {
    const auto names = ucrun::fuzz::split(ucrun::fuzz::text(data, size), '\n');
    for (const auto& n : names) {
        const auto a = ucrun::security::cap_from_name(n);
        const int b = oci::capability_number(n);
        UCRUN_FUZZ_CHECK(a ? *a == b : b == -1);  // the runtime and the validator agree
        if (a) UCRUN_FUZZ_CHECK(ucrun::security::cap_name(*a) == n);
    }
    oci::Capabilities caps;
    caps.bounding = caps.effective = caps.permitted = caps.inheritable = caps.ambient = names;
    try {
        const auto sets = ucrun::security::resolve(caps, oci::last_capability);
        UCRUN_FUZZ_CHECK((sets.bounding >> (oci::last_capability + 1)) == 0);
    } catch (const ucrun::Error&) {
    }
    return 0;
}
