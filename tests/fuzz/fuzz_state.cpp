// <root>/<id>/state.json read back by every command (state, list, kill,
// delete): a damaged or hostile file must become state::Corrupt, nothing else.
#include "fuzz.hpp"
#include "state/record_json.hpp"

UCRUN_FUZZ_TARGET(state) {
    try {
        (void)ucrun::state::record_from_text(ucrun::fuzz::text(data, size), "/run/ucrun/c1/state.json");
    } catch (const ucrun::state::Corrupt&) {
    }
    return 0;
}
