// Command-line parsing in runc's (urfave/cli) style: flags first, then
// positional arguments; `--flag value`, `--flag=value`, short aliases.
// Parsing stops at the first positional argument, so `exec ID sh -c ...`
// passes its command through untouched.
#pragma once

#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ucrun::cli {

// Constant data: every command's table is a constexpr array of these, so
// that the CLI costs no allocation and no static initialisation on the start
// path (issue 17: a table of std::strings was ~250 allocations per call).
struct FlagSpec {
    std::string_view name;   // "bundle"
    std::string_view short_; // "b" or ""
    bool takes_value;
    std::string_view help;
    bool repeatable = false;
};

struct Parsed {
    std::map<std::string, std::vector<std::string>> values;  // by long name
    std::vector<std::string> args;                           // positionals
    bool has(const std::string& n) const { return values.count(n) > 0; }
    std::string get(const std::string& n, const std::string& def = "") const {
        auto it = values.find(n);
        return it == values.end() || it->second.empty() ? def : it->second.back();
    }
    const std::vector<std::string>& all(const std::string& n) const;
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses argv[from..]; throws UsageError for unknown flags or missing values.
// `--help`/`-h` is known to every command: when `specs` has no "help", it
// is recorded as "help".
Parsed parse(std::span<const FlagSpec> specs, const std::vector<std::string>& argv, size_t from);

std::string usage_text(std::string_view synopsis, std::string_view description, std::span<const FlagSpec> specs);

}  // namespace ucrun::cli
