#include "cli/command.hpp"
#include "cli/create_flags.hpp"
#include "container/ops.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "run");
    auto opts = create_options(p);
    container::Created c = container::create(ctx, opts, true);
    if (p.has("detach")) {
        container::release(ctx, opts.id, c);
        return 0;
    }
    return container::run_foreground(ctx, opts.id, c);
}
}  // namespace

Command run_command() {
    auto flags = create_flags();
    flags.push_back({"detach", "d", false, "detach from the container's process"});
    flags.push_back({"keep", "", false, "accepted for compatibility"});
    return {"run", "run [options] <container-id>", "create and run a container", flags, run};
}

}  // namespace ucrun::cli
