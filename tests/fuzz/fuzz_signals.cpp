// `ucrun kill ID SIGNAL` and process.* signal names: a name or a number.
#include <csignal>

#include "fuzz.hpp"
#include "oci/signals.hpp"

UCRUN_FUZZ_TARGET(signals) {
    const std::string s(ucrun::fuzz::text(data, size));
    if (auto sig = oci::parse_signal(s)) UCRUN_FUZZ_CHECK(*sig >= 1 && *sig <= SIGRTMAX);
    return 0;
}
