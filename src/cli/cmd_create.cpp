#include "cli/command.hpp"
#include "sys/kernel.hpp"
#include "cli/create_flags.hpp"
#include "container/create.hpp"

namespace ucrun::cli {

std::vector<FlagSpec> create_flags() {
    return {
        {"bundle", "b", true, "path to the root of the bundle directory (default: current directory)"},
        {"pid-file", "", true, "file to write the container's init pid to"},
        {"console-socket", "", true, "unix socket to receive the pty master (process.terminal)"},
        {"no-pivot", "", false, "do not use pivot_root (MS_MOVE + chroot)"},
        {"no-new-keyring", "", false, "do not create a new session keyring"},
        {"preserve-fds", "", true, "pass N additional file descriptors (from 3) to the container"},
    };
}

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

Command create_command() {
    return {"create", "create [options] <container-id>", "create a container", create_flags(), run};
}

}  // namespace ucrun::cli
