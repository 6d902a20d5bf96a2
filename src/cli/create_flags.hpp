#pragma once
#include <vector>

#include "cli/args.hpp"
#include "container/create.hpp"

namespace ucrun::cli {
// Flags shared by create and run.
std::vector<FlagSpec> create_flags();
container::CreateOptions create_options(const Parsed& p);
}  // namespace ucrun::cli
