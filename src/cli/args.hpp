// Command-line parsing in runc's (urfave/cli) style: flags first, then
// positional arguments; `--flag value`, `--flag=value`, short aliases.
// Parsing stops at the first positional argument, so `exec ID sh -c ...`
// passes its command through untouched.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ucrun::cli {

struct FlagSpec {
    std::string name;   // "bundle"
    std::string short_; // "b" or ""
    bool takes_value;
    std::string help;
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
Parsed parse(const std::vector<FlagSpec>& specs, const std::vector<std::string>& argv, size_t from);

std::string usage_text(const std::string& synopsis, const std::string& description, const std::vector<FlagSpec>& specs);

}  // namespace ucrun::cli
