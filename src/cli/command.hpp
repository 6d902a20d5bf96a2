// One entry per command; each command lives in its own cmd_*.cpp.
#pragma once

#include <span>
#include <string>

#include "cli/args.hpp"
#include "container/context.hpp"

namespace ucrun::cli {

// Constant data, like FlagSpec: each cmd_*.cpp holds its command and its
// flags as constexpr objects.
struct Command {
    const char* name;
    const char* synopsis;     // "create [options] <container-id>"
    const char* description;
    std::span<const FlagSpec> flags;
    int (*run)(Context& ctx, const Parsed& p);
    // Exit status of a usage or setup error (check uses 2: its 1 means "a high finding").
    int error_status = 1;
};

std::span<const Command* const> commands();

// Declared in cmd_*.cpp
const Command& create_command();
const Command& start_command();
const Command& run_command();
const Command& state_command();
const Command& kill_command();
const Command& delete_command();
const Command& list_command();
const Command& spec_command();
const Command& features_command();
const Command& update_command();
const Command& pause_command();
const Command& resume_command();
const Command& events_command();
const Command& exec_command();
const Command& ps_command();
const Command& check_command();

// Requires exactly `n` positional args (runc: "... requires exactly 1 argument(s)").
void require_args(const Parsed& p, size_t n, const char* cmd);
// The container id of a command (its first argument), checked to be a
// name and never a path (state::checked_id): every command that takes one
// reads it through here, before anything is opened.
const std::string& container_id(const Parsed& p);
int parse_int_flag(const Parsed& p, const std::string& name, int def);

}  // namespace ucrun::cli
