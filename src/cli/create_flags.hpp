#pragma once
#include <array>

#include "cli/args.hpp"
#include "container/create.hpp"

namespace ucrun::cli {
// Flags shared by create and run (run adds its own after these: cmd_run.cpp);
// read by create_options.
inline constexpr std::array<FlagSpec, 6> kCreateFlags{{
    {"bundle", "b", true, "path to the root of the bundle directory (default: current directory)"},
    {"pid-file", "", true, "file to write the container's init pid to"},
    {"console-socket", "", true, "unix socket to receive the pty master (process.terminal)"},
    {"no-pivot", "", false, "do not use pivot_root (MS_MOVE + chroot)"},
    {"no-new-keyring", "", false, "do not create a new session keyring"},
    {"preserve-fds", "", true, "pass N additional file descriptors (from 3) to the container"},
}};
container::CreateOptions create_options(const Parsed& p);
}  // namespace ucrun::cli
