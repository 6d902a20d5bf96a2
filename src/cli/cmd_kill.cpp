#include <csignal>

#include "cli/command.hpp"
#include "container/ops.hpp"
#include "oci/signals.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    if (p.args.empty() || p.args.size() > 2) throw UsageError("\"kill\" requires 1 or 2 arguments");
    int sig = SIGTERM;
    if (p.args.size() == 2) {
        auto s = oci::parse_signal(p.args[1]);
        if (!s) throw UsageError("unknown signal \"" + p.args[1] + "\"");
        sig = *s;
    }
    container::kill(ctx, container_id(p), sig, p.has("all"));
    return 0;
}
}  // namespace

const Command& kill_command() {
    static constexpr FlagSpec kFlags[] = {{"all", "a", false, "send the signal to all processes of the container"}};
    static constexpr Command kCommand{"kill", "kill [options] <container-id> [signal]",
                                      "send a signal (default TERM) to the container's init", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
