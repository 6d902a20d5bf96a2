// The id parsers: a numeric uid/gid (--userns-remap=1000:1000, subuid owners)
// and a container id (every command's argument, a path component of the
// state root).
#include <string>

#include "fuzz.hpp"
#include "oci/container_id.hpp"
#include "userns/subid.hpp"

UCRUN_FUZZ_TARGET(ids) {
    const std::string_view in = ucrun::fuzz::text(data, size);
    if (auto id = ucrun::userns::parse_id(in)) {
        UCRUN_FUZZ_CHECK(*id < ucrun::userns::kIdLimit);
        // Decimal digits only (no sign, blanks or "0x"), and their value.
        uint64_t value = 0;
        for (char c : in) {
            UCRUN_FUZZ_CHECK(c >= '0' && c <= '9');
            value = value * 10 + uint64_t(c - '0');
            UCRUN_FUZZ_CHECK(value < ucrun::userns::kIdLimit);
        }
        UCRUN_FUZZ_CHECK(value == *id);
    }
    const std::string s(in);
    if (oci::container_id_problem(s).empty()) {
        UCRUN_FUZZ_CHECK(s != "." && s != ".." && !s.empty());
        UCRUN_FUZZ_CHECK(s.find('/') == std::string::npos && s.find('\0') == std::string::npos);
    }
    return 0;
}
