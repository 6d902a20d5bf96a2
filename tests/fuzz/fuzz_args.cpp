// The command-line parser with create's flags; the input's NUL bytes
// separate the arguments.
#include "cli/args.hpp"
#include "fuzz.hpp"

UCRUN_FUZZ_TARGET(args) {
    static const std::vector<ucrun::cli::FlagSpec> specs = {
        {"bundle", "b", true, ""},
        {"pid-file", "", true, ""},
        {"console-socket", "", true, ""},
        {"no-pivot", "", false, ""},
        {"preserve-fds", "", true, ""},
        {"env", "e", true, "", true},
        {"help", "h", false, ""},
    };
    const auto argv = ucrun::fuzz::split(ucrun::fuzz::text(data, size), '\0');
    try {
        const auto p = ucrun::cli::parse(specs, argv, 0);
        UCRUN_FUZZ_CHECK(p.args.size() <= argv.size());
        for (const auto& [name, values] : p.values) UCRUN_FUZZ_CHECK(!values.empty() && p.has(name));
    } catch (const ucrun::cli::UsageError&) {
    }
    return 0;
}
