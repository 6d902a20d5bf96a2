#include "cli/args.hpp"

namespace ucrun::cli {

const std::vector<std::string>& Parsed::all(const std::string& n) const {
    static const std::vector<std::string> empty;
    auto it = values.find(n);
    return it == values.end() ? empty : it->second;
}

Parsed parse(const std::vector<FlagSpec>& specs, const std::vector<std::string>& argv, size_t from) {
    Parsed p;
    size_t i = from;
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;
        std::string name = a.substr(a[1] == '-' ? 2 : 1);
        std::string value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        const FlagSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name || (!s.short_.empty() && s.short_ == name)) spec = &s;
        if (!spec) throw UsageError("flag provided but not defined: -" + name);
        if (spec->takes_value) {
            if (!has_value) {
                if (i + 1 >= argv.size()) throw UsageError("flag needs an argument: -" + name);
                value = argv[++i];
            }
        } else if (has_value) {
            if (value == "false") continue;
        }
        p.values[spec->name].push_back(value);
    }
    for (; i < argv.size(); ++i) p.args.push_back(argv[i]);
    return p;
}

std::string usage_text(const std::string& synopsis, const std::string& description, const std::vector<FlagSpec>& specs) {
    std::string s = "Usage: ucrun " + synopsis + "\n\n" + description + "\n";
    if (!specs.empty()) s += "\nOptions:\n";
    for (const auto& f : specs) {
        std::string left = "  --" + f.name + (f.short_.empty() ? "" : ", -" + f.short_) + (f.takes_value ? " value" : "");
        if (left.size() < 32) left.resize(32, ' ');
        s += left + " " + f.help + "\n";
    }
    bool has_help = false;
    for (const auto& f : specs) has_help |= f.name == "help";
    if (!has_help) s += "  --help, -h                       show help\n";
    return s;
}

}  // namespace ucrun::cli
