// One entry per command; each command lives in its own cmd_*.cpp.
#pragma once

#include <string>
#include <vector>

#include "cli/args.hpp"
#include "container/context.hpp"

namespace ucrun::cli {

struct Command {
    const char* name;
    const char* synopsis;     // "create [options] <container-id>"
    const char* description;
    std::vector<FlagSpec> flags;
    int (*run)(Context& ctx, const Parsed& p);
    // Exit status of a usage or setup error (check uses 2: its 1 means "a high finding").
    int error_status = 1;
};

const std::vector<Command>& commands();

// Declared in cmd_*.cpp
Command create_command();
Command start_command();
Command run_command();
Command state_command();
Command kill_command();
Command delete_command();
Command list_command();
Command spec_command();
Command features_command();
Command update_command();
Command pause_command();
Command resume_command();
Command events_command();
Command exec_command();
Command ps_command();
Command check_command();

// Requires exactly `n` positional args (runc: "... requires exactly 1 argument(s)").
void require_args(const Parsed& p, size_t n, const char* cmd);
// The container id of a command (its first argument), checked to be a
// name and never a path (state::checked_id): every command that takes one
// reads it through here, before anything is opened.
const std::string& container_id(const Parsed& p);
int parse_int_flag(const Parsed& p, const std::string& name, int def);

}  // namespace ucrun::cli
