#include "cli/command.hpp"

#include <cstdlib>

#include "state/store.hpp"

namespace ucrun::cli {

std::span<const Command* const> commands() {
    static const Command* const all[] = {
        &create_command(), &start_command(),    &run_command(),    &state_command(),  &kill_command(),
        &delete_command(), &list_command(),     &spec_command(),   &features_command(),
        &update_command(), &pause_command(),    &resume_command(), &events_command(),
        &exec_command(),   &ps_command(),       &check_command(),
    };
    return all;
}

void require_args(const Parsed& p, size_t n, const char* cmd) {
    if (p.args.size() != n)
        throw UsageError(std::string("\"") + cmd + "\" requires exactly " + std::to_string(n) + " argument(s)");
}

const std::string& container_id(const Parsed& p) { return state::checked_id(p.args.at(0)); }

int parse_int_flag(const Parsed& p, const std::string& name, int def) {
    if (!p.has(name)) return def;
    std::string v = p.get(name);
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0 || n > 65535) throw UsageError("invalid value \"" + v + "\" for --" + name);
    return static_cast<int>(n);
}

}  // namespace ucrun::cli
