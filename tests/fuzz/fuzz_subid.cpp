// /etc/subuid, /etc/subgid and /etc/passwd, /etc/group as the user-namespace
// remap reads them. Malformed lines are skipped and reported, never fatal;
// every range that leaves the parser keeps the invariant of subid.hpp.
#include "fuzz.hpp"
#include "userns/subid.hpp"

UCRUN_FUZZ_TARGET(subid) {
    using namespace ucrun::userns;
    const std::string_view in = ucrun::fuzz::text(data, size);
    const SubidFile f = parse_subid(in, "/etc/subuid");
    for (const auto& e : f.entries) {
        UCRUN_FUZZ_CHECK(e.range.count > 0);
        UCRUN_FUZZ_CHECK(e.range.start > 0);
        UCRUN_FUZZ_CHECK(e.range.end() <= kIdLimit);
        UCRUN_FUZZ_CHECK(e.line >= 1);
    }
    for (const auto& e : parse_id_db(in)) UCRUN_FUZZ_CHECK(find_name(parse_id_db(in), e.name) != nullptr);
    return 0;
}
