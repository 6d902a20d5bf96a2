#include <algorithm>

#include "cli/command.hpp"
#include "sys/kernel.hpp"
#include "cli/create_flags.hpp"
#include "container/activation.hpp"
#include "container/ops.hpp"
#include "state/store.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    require_args(p, 1, "run");
    auto opts = create_options(p);
    opts.detach = p.has("detach");
    container::Created c = container::create(sys::linux_kernel(), ctx, opts, true);
    // NOTIFY_SOCKET: the socket the container notifies, bound before the
    // init runs (container/activation.hpp).
    Fd notify;
    try {
        notify = container::activation::bind_notify(state::Store(ctx.root).dir(opts.id));
    } catch (...) {
        container::remove(ctx, opts.id, true);
        throw;
    }
    if (opts.detach) {
        container::release(ctx, opts.id, c);
        // runc: run --detach returns once the container said READY=.
        if (notify) container::activation::wait_notify(notify.get(), container::activation::notify_host(), c.pid, c.pidfd.get());
        return 0;
    }
    return container::run_foreground(ctx, opts.id, c, notify ? notify.get() : -1);
}

// create's flags, then run's own.
constexpr auto kRunFlags = [] {
    std::array<FlagSpec, kCreateFlags.size() + 2> all{};
    std::copy(kCreateFlags.begin(), kCreateFlags.end(), all.begin());
    all[kCreateFlags.size()] = {"detach", "d", false, "detach from the container's process"};
    all[kCreateFlags.size() + 1] = {"keep", "", false, "accepted for compatibility"};
    return all;
}();
}  // namespace

const Command& run_command() {
    static constexpr Command kCommand{"run", "run [options] <container-id>", "create and run a container", kRunFlags,
                                      run};
    return kCommand;
}

}  // namespace ucrun::cli
