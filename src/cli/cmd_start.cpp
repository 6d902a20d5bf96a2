#include "cli/command.hpp"
#include "container/activation.hpp"
#include "container/ops.hpp"
#include "state/store.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "start");
    const std::string& id = container_id(p);
    // NOTIFY_SOCKET (container/activation.hpp): the socket the container
    // notifies is bound before the init is released; once started, `start`
    // waits for READY= (or the init's exit) and forwards it, as runc does.
    // The state lock is not held while waiting.
    namespace act = container::activation;
    Fd notify;
    const std::string host = act::notify_host();
    state::Record r;
    if (!host.empty()) {
        r = container::load_live(ctx, id);
        if (r.state.status == oci::Status::Created) notify = act::bind_notify(state::Store(ctx.root).dir(id));
    }
    Fd init;
    if (notify) init.reset(sys::pidfd_open(r.pid));
    container::start(ctx, id);
    if (notify && init) act::wait_notify(notify.get(), host, r.pid, init.get());
    return 0;
}
}  // namespace

const Command& start_command() {
    static constexpr Command kCommand{"start", "start <container-id>",
                                      "execute the user process of a created container", {}, run};
    return kCommand;
}

}  // namespace ucrun::cli
