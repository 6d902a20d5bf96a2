#include "cli/command.hpp"
#include "container/ops.hpp"
#include "oci/state.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "state");
    state::Record r = container::load_live(ctx, container_id(p));
    sys::write_all(1, oci::to_json(r.state).dump(2) + "\n");
    return 0;
}
}  // namespace

const Command& state_command() {
    static constexpr Command kCommand{"state", "state <container-id>",
                                      "output the state of a container (runtime.md \"State\")", {}, run};
    return kCommand;
}

}  // namespace ucrun::cli
