#include "cli/args.hpp"

namespace ucrun::cli {

namespace {
constexpr FlagSpec kHelp{"help", "h", false, "show help"};
}  // namespace

const std::vector<std::string>& Parsed::all(const std::string& n) const {
    static const std::vector<std::string> empty;
    auto it = values.find(n);
    return it == values.end() ? empty : it->second;
}

Parsed parse(std::span<const FlagSpec> specs, const std::vector<std::string>& argv, size_t from) {
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
        if (!spec && (name == kHelp.name || name == kHelp.short_)) spec = &kHelp;
        if (!spec) throw UsageError("flag provided but not defined: -" + name);
        if (spec->takes_value) {
            if (!has_value) {
                if (i + 1 >= argv.size()) throw UsageError("flag needs an argument: -" + name);
                value = argv[++i];
            }
        } else if (has_value) {
            if (value == "false") continue;
        }
        p.values[std::string(spec->name)].push_back(value);
    }
    for (; i < argv.size(); ++i) p.args.push_back(argv[i]);
    return p;
}

std::string usage_text(std::string_view synopsis, std::string_view description, std::span<const FlagSpec> specs) {
    std::string s = "Usage: ucrun " + std::string(synopsis) + "\n\n" + std::string(description) + "\n";
    s += "\nOptions:\n";  // --help at least
    auto line = [&s](const FlagSpec& f) {
        std::string left = "  --" + std::string(f.name) + (f.short_.empty() ? "" : ", -" + std::string(f.short_)) +
                           (f.takes_value ? " value" : "");
        if (left.size() < 32) left.resize(32, ' ');
        s += left + " " + std::string(f.help) + "\n";
    };
    bool has_help = false;
    for (const auto& f : specs) {
        line(f);
        has_help |= f.name == kHelp.name;
    }
    if (!has_help) line(kHelp);
    return s;
}

}  // namespace ucrun::cli
