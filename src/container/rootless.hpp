// Whether this ucrun runs without privilege over the host (--rootless,
// Context::rootless): the one place that decides it.
#pragma once

#include "container/context.hpp"

namespace ucrun::container {

// Yes/No as given; Auto: not root, or root of a child user namespace.
bool rootless(const Context& ctx);

}  // namespace ucrun::container
