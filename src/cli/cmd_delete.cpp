#include "cli/command.hpp"
#include "container/ops.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "delete");
    try {
        container::remove(ctx, container_id(p), p.has("force"));
    } catch (const state::NotFound&) {
        // runc: `delete --force` of a missing container succeeds.
        if (!p.has("force")) throw;
    }
    return 0;
}
}  // namespace

const Command& delete_command() {
    static constexpr FlagSpec kFlags[] = {{"force", "f", false, "kill the container first if it is still running"}};
    static constexpr Command kCommand{"delete", "delete [options] <container-id>",
                                      "delete a container and everything it holds", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
