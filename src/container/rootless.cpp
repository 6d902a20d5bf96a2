#include "container/rootless.hpp"

#include <unistd.h>

#include "userns/idmap.hpp"

namespace ucrun::container {

bool rootless(const Context& ctx) {
    switch (ctx.rootless) {
        case Context::Rootless::Yes: return true;
        case Context::Rootless::No: return false;
        case Context::Rootless::Auto: break;
    }
    if (!ctx.rootless_resolved) ctx.rootless_resolved = ::geteuid() != 0 || userns::in_child_user_namespace();
    return *ctx.rootless_resolved;
}

}  // namespace ucrun::container
