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
    return ::geteuid() != 0 || userns::in_child_user_namespace();
}

}  // namespace ucrun::container
