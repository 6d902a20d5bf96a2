// `ucrun check`: audits a bundle's config.json against the host (oci/audit.hpp)
// for people testing bundles by hand. It reads and stats, never creates:
// no state under --root, no process, no mount.
#include <map>

#include <nlohmann/json.hpp>

#include "cli/check_host.hpp"
#include "cli/check_remap.hpp"
#include "cli/command.hpp"
#include "container/rootless.hpp"
#include "oci/audit.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {

using oci::audit::Finding;
using oci::audit::Severity;

std::vector<Finding> audit_bundle(const Context& ctx, const std::string& dir) {
    const std::string bundle = real_bundle(dir);
    const std::string text = read_config(bundle);
    // The same parser and validation as create: an invalid config is the
    // error create would give, naming the field.
    oci::Config cfg = oci::parse_config(oci::parse_dom(text));
    oci::validate(cfg);
    std::vector<Finding> fs = oci::audit::audit(cfg, host_facts(cfg, bundle));
    // What the runtime's remap policy would make of it (container/remap.hpp).
    add_remap_findings(ctx.config.userns, ctx.config.path.empty() ? "the runtime's settings" : ctx.config.path,
                       cfg, container::rootless(ctx), fs);
    return fs;
}

std::string summary(const std::vector<Finding>& fs, std::map<Severity, int>* counts) {
    for (auto s : {Severity::high, Severity::medium, Severity::low, Severity::info}) (*counts)[s] = 0;
    for (const auto& f : fs) ++(*counts)[f.severity];
    return std::to_string(fs.size()) + (fs.size() == 1 ? " finding: " : " findings: ") +
           std::to_string((*counts)[Severity::high]) + " high, " + std::to_string((*counts)[Severity::medium]) +
           " medium, " + std::to_string((*counts)[Severity::low]) + " low, " +
           std::to_string((*counts)[Severity::info]) + " info";
}

std::string text_report(const std::vector<Finding>& fs) {
    std::string out;
    for (const auto& f : fs) {
        std::string label = oci::audit::severity_name(f.severity);
        for (auto& c : label) c = static_cast<char>(c - 'a' + 'A');
        label.resize(7, ' ');
        out += label + f.path + ": " + f.message + " [" + f.id + "]\n";
    }
    std::map<Severity, int> counts;
    return out + summary(fs, &counts) + "\n";
}

std::string json_report(const std::vector<Finding>& fs) {
    nlohmann::ordered_json doc;
    doc["findings"] = nlohmann::ordered_json::array();
    for (const auto& f : fs)
        doc["findings"].push_back({{"severity", oci::audit::severity_name(f.severity)},
                                   {"id", f.id},
                                   {"path", f.path},
                                   {"message", f.message}});
    std::map<Severity, int> counts;
    std::string line = summary(fs, &counts);
    doc["summary"] = {{"high", counts[Severity::high]},     {"medium", counts[Severity::medium]},
                      {"low", counts[Severity::low]},       {"info", counts[Severity::info]},
                      {"total", fs.size()},                 {"text", line}};
    // A bind source may resolve through a symlink to a name that is not
    // UTF-8: replace those bytes rather than fail the report.
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

int run(Context& ctx, const Parsed& p) {
    require_args(p, 0, "check");
    const std::string format = p.get("format", "text");
    if (format != "text" && format != "json")
        throw UsageError("invalid --format \"" + format + "\" (text or json)");
    std::vector<Finding> fs;
    try {
        fs = audit_bundle(ctx, p.get("bundle", "."));
    } catch (const std::exception& e) {
        ctx.log.error(e.what());
        return 2;
    }
    sys::write_all(1, format == "json" ? json_report(fs) : text_report(fs));
    for (const auto& f : fs)
        if (f.severity == Severity::high) return 1;
    return 0;
}

}  // namespace

const Command& check_command() {
    static constexpr FlagSpec kFlags[] = {
        {"bundle", "b", true, "path to the root of the bundle directory (default: current directory)"},
        {"format", "", true, "output format: text or json (default: text)"},
    };
    static constexpr Command kCommand{
        "check", "check [options]", "audit a bundle's config.json against the host (exit 1 when a finding is high)",
        kFlags, run,
        2,  // usage and parse errors: 2, so that 1 means "a high finding"
    };
    return kCommand;
}

}  // namespace ucrun::cli
