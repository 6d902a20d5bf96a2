#include <cstdio>

#include "cli/command.hpp"
#include "container/ops.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    state::Store store(ctx.root);
    std::string fmt = p.get("format", "table");
    if (fmt != "table" && fmt != "json") throw UsageError("invalid format option \"" + fmt + "\"");
    nlohmann::json arr = nlohmann::json::array();
    std::string out;
    if (fmt == "table" && !p.has("quiet")) out = "ID          PID         STATUS      BUNDLE                         CREATED                        OWNER\n";
    for (const auto& id : store.list_ids()) {
        state::Record r;
        try {
            r = container::load_live(store, id);
        } catch (const std::exception&) {
            continue;  // being created or deleted right now
        }
        if (p.has("quiet")) {
            out += id + "\n";
        } else if (fmt == "json") {
            arr.push_back(oci::to_json(r.state));
        } else {
            char line[4096];
            std::snprintf(line, sizeof line, "%-11s %-11d %-11s %-30s %-30s %s\n", id.c_str(), r.state.pid,
                          oci::to_string(r.state.status), r.state.bundle.c_str(), r.state.created.c_str(),
                          r.state.owner.empty() ? "root" : r.state.owner.c_str());
            out += line;
        }
    }
    if (fmt == "json" && !p.has("quiet")) out = arr.dump() + "\n";
    sys::write_all(1, out);
    return 0;
}
}  // namespace

const Command& list_command() {
    static constexpr FlagSpec kFlags[] = {
        {"format", "f", true, "table or json"},
        {"quiet", "q", false, "display only container IDs"},
    };
    static constexpr Command kCommand{"list", "list [options]", "list containers", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
