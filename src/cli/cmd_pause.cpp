// runc pause / resume: the cgroup freezer.
#include "cli/command.hpp"
#include "container/cgroup_ops.hpp"

namespace ucrun::cli {

namespace {
int run_pause(Context& ctx, const Parsed& p) {
    require_args(p, 1, "pause");
    container::pause(ctx, container_id(p));
    return 0;
}
int run_resume(Context& ctx, const Parsed& p) {
    require_args(p, 1, "resume");
    container::resume(ctx, container_id(p));
    return 0;
}
}  // namespace

const Command& pause_command() {
    static constexpr Command kCommand{"pause", "pause <container-id>",
                                      "pause suspends all processes inside the container", {}, run_pause};
    return kCommand;
}

const Command& resume_command() {
    static constexpr Command kCommand{"resume", "resume <container-id>",
                                      "resumes all processes that have been previously paused", {}, run_resume};
    return kCommand;
}

}  // namespace ucrun::cli
