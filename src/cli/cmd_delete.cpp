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

Command delete_command() {
    return {"delete", "delete [options] <container-id>", "delete a container and everything it holds",
            {{"force", "f", false, "kill the container first if it is still running"}}, run};
}

}  // namespace ucrun::cli
