// ucrun: an OCI runtime. Global flags, then one command (runc's CLI).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "config.h"
#include "oci/error.hpp"
#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "version.hpp"

using namespace ucrun;

namespace {

const std::vector<cli::FlagSpec> kGlobal = {
    {"root", "", true, "root directory for storage of container state (default: /run/ucrun)"},
    {"log", "", true, "log file (default: stderr)"},
    {"log-format", "", true, "log format: text or json"},
    {"debug", "", false, "enable debug logging"},
    {"systemd-cgroup", "", false, "use systemd cgroup paths (slice:prefix:name)"},
    {"cgroup-manager", "", true, "cgroupfs, systemd or disabled"},
    {"rootless", "", true, "accepted for compatibility: true, false or auto"},
    {"criu", "", true, "accepted for compatibility"},
    {"allow-host-root-mapping", "", false, "allow user namespace mappings that map host root (id 0)"},
    {"version", "v", false, "print the version"},
    {"help", "h", false, "show help"},
};

std::string version_text() {
    return std::string("ucrun version ") + UCRUN_VERSION + "\ncommit: " + UCRUN_GIT_COMMIT + "\nspec: " +
           UCRUN_SPEC_VERSION + "\n";
}

std::string main_help() {
    std::string s = cli::usage_text("[global options] command [command options] [arguments...]",
                                    "ucrun is a fast OCI container runtime with user namespaces at its heart.",
                                    kGlobal);
    s += "\nCommands:\n";
    for (const auto& c : cli::commands()) {
        std::string left = std::string("  ") + c.name;
        left.resize(12, ' ');
        s += left + c.description + "\n";
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    Context ctx;
    cli::Parsed g;
    try {
        g = cli::parse(kGlobal, args, 1);
    } catch (const cli::UsageError& e) {
        std::fprintf(stderr, "ucrun: %s\n", e.what());
        return 1;
    }
    if (g.has("version")) {
        sys::write_all(1, version_text());
        return 0;
    }
    if (g.has("help") || g.args.empty()) {
        sys::write_all(g.args.empty() && !g.has("help") ? 2 : 1, main_help());
        return g.has("help") ? 0 : 1;
    }
    ctx.root = g.get("root", "/run/ucrun");
    ctx.debug = g.has("debug");
    ctx.allow_host_root_mapping = g.has("allow-host-root-mapping");
    ctx.systemd_cgroup = g.has("systemd-cgroup");
    ctx.cgroup_manager = g.get("cgroup-manager", ctx.systemd_cgroup ? "systemd" : "cgroupfs");
    std::string fmt = g.get("log-format", "text");
    try {
        if (fmt != "text" && fmt != "json") throw Error("invalid log format: " + fmt + " (text or json)");
        if (ctx.cgroup_manager != "cgroupfs" && ctx.cgroup_manager != "systemd" && ctx.cgroup_manager != "disabled")
            throw Error("invalid --cgroup-manager " + ctx.cgroup_manager + " (cgroupfs, systemd or disabled)");
        ctx.log.open(g.get("log"), fmt == "json", ctx.debug);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ucrun: %s\n", e.what());
        return 1;
    }

    const std::string& name = g.args[0];
    const cli::Command* cmd = nullptr;
    for (const auto& c : cli::commands())
        if (name == c.name) cmd = &c;
    if (!cmd) {
        ctx.log.error("No help topic for '" + name + "'");
        return 1;
    }
    std::vector<std::string> rest(g.args.begin(), g.args.end());
    try {
        auto flags = cmd->flags;
        flags.push_back({"help", "h", false, "show help"});
        cli::Parsed p = cli::parse(flags, rest, 1);
        if (p.has("help")) {
            sys::write_all(1, cli::usage_text(cmd->synopsis, cmd->description, cmd->flags));
            return 0;
        }
        return cmd->run(ctx, p);
    } catch (const cli::UsageError& e) {
        ctx.log.error(std::string(name) + ": " + e.what());
        return cmd->error_status;
    } catch (const std::exception& e) {
        ctx.log.error(e.what());
        return cmd->error_status;
    }
}
