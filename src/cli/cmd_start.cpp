#include "cli/command.hpp"
#include "container/ops.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "start");
    container::start(ctx, p.args[0]);
    return 0;
}
}  // namespace

Command start_command() { return {"start", "start <container-id>", "execute the user process of a created container", {}, run}; }

}  // namespace ucrun::cli
