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

Command pause_command() {
    return {"pause", "pause <container-id>", "pause suspends all processes inside the container", {}, run_pause};
}

Command resume_command() {
    return {"resume", "resume <container-id>", "resumes all processes that have been previously paused", {},
            run_resume};
}

}  // namespace ucrun::cli
