#include "cli/command.hpp"
#include "sys/kernel.hpp"
#include "cli/create_flags.hpp"
#include "container/create.hpp"

namespace ucrun::cli {

container::CreateOptions create_options(const Parsed& p) {
    container::CreateOptions o;
    o.id = container_id(p);
    o.bundle = p.get("bundle", ".");
    o.pid_file = p.get("pid-file");
    o.console_socket = p.get("console-socket");
    o.no_pivot = p.has("no-pivot");
    o.no_new_keyring = p.has("no-new-keyring");
    o.preserve_fds = parse_int_flag(p, "preserve-fds", 0);
    return o;
}

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "create");
    container::create(sys::linux_kernel(), ctx, create_options(p), false);
    return 0;
}
}  // namespace

const Command& create_command() {
    static constexpr Command kCommand{"create", "create [options] <container-id>", "create a container", kCreateFlags,
                                      run};
    return kCommand;
}

}  // namespace ucrun::cli
