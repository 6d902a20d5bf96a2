// ucrun: an OCI runtime. Global flags, then one command (runc's CLI).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "config.h"
#include "config/flags.hpp"
#include "config/runtime_config.hpp"
#include "container/rootless.hpp"
#include "oci/error.hpp"
#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "version.hpp"

using namespace ucrun;

namespace {

constexpr cli::FlagSpec kGlobal[] = {
    {"root", "", true, "root directory for storage of container state (default: /run/ucrun, rootless: $XDG_RUNTIME_DIR/ucrun)"},
    {"log", "", true, "log file (default: stderr)"},
    {"log-format", "", true, "log format: text or json"},
    {"debug", "", false, "enable debug logging"},
    {"systemd-cgroup", "", false, "use systemd cgroup paths (slice:prefix:name)"},
    {"cgroup-manager", "", true, "cgroupfs, systemd or disabled"},
    {"rootless", "", true, "true, false or auto (default: auto, rootless when not run as root)"},
    {"criu", "", true, "accepted for compatibility"},
    {"allow-host-root-mapping", "", false, "allow user namespace mappings that map host root (id 0)"},
    {"config", "", true, "runtime configuration file (default: $UCRUN_CONFIG, else /etc/ucrun/ucrun.yaml if present)"},
    {"userns-remap", "", true, "user namespace remapping: off, default or USER[:GROUP] (overrides the file)"},
    {"userns-allocation", "", true, "per-container or shared (overrides the file)"},
    {"userns-size", "", true, "ids per container user namespace (overrides the file)"},
    {"userns-allow-host", "", true, "true or false: may a container opt out of the remap (overrides the file)"},
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
    for (const cli::Command* c : cli::commands()) {
        std::string left = std::string("  ") + c->name;
        left.resize(12, ' ');
        s += left + c->description + "\n";
    }
    return s;
}

std::optional<std::string> flag_value(const cli::Parsed& g, const std::string& name) {
    if (!g.has(name)) return std::nullopt;
    return g.get(name);
}

// The file (--config, UCRUN_CONFIG or the default, which may be absent),
// then the --userns-* flags over it.
void load_config(Context& ctx, const cli::Parsed& g) {
    auto choice = config::choose_config(flag_value(g, "config"), std::getenv("UCRUN_CONFIG"));
    ctx.config = config::load_runtime_config(choice.path, choice.required);
    config::apply_userns_flags(ctx.config.userns, {flag_value(g, "userns-remap"), flag_value(g, "userns-allocation"),
                                                   flag_value(g, "userns-size"), flag_value(g, "userns-allow-host")});
    if (!ctx.log.debug_enabled()) return;
    const auto& u = ctx.config.userns;
    ctx.log.debug((ctx.config.path.empty() ? "config file: none (" + choice.path + " absent)"
                                           : "config file: " + ctx.config.path + " (from " + choice.source + ")") +
                  "; userns: remap=" + config::remap_text(u) + " allocation=" + config::allocation_text(u.allocation) +
                  " size=" + std::to_string(u.size) + " allow-host=" + (u.allow_host ? "true" : "false"));
}

Context::Rootless rootless_mode(const std::string& v) {
    if (v == "true") return Context::Rootless::Yes;
    if (v == "false") return Context::Rootless::No;
    if (v == "auto") return Context::Rootless::Auto;
    throw Error("invalid --rootless " + v + " (true, false or auto)");
}

// runc's rule (shouldHonorXDGRuntimeDir): without --root, the state goes
// under $XDG_RUNTIME_DIR when it is set and we are not root, or root of a
// child user namespace and $USER is not root (rootless podman calls its
// runtime so, without --root). Resolved before the command so that every
// command agrees; an unset XDG_RUNTIME_DIR is an error only when state is
// used (spec, features, check need none).
std::string state_root(const cli::Parsed& g, const Context& ctx) {
    if (g.has("root")) return g.get("root");
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    const bool have_xdg = xdg && *xdg == '/';
    if (::geteuid() != 0 || ctx.rootless == Context::Rootless::Yes) return have_xdg ? std::string(xdg) + "/ucrun" : "";
    if (!have_xdg || ctx.rootless == Context::Rootless::No) return "/run/ucrun";
    const char* user = std::getenv("USER");
    if ((user && std::string(user) == "root") || !container::rootless(ctx)) return "/run/ucrun";
    return std::string(xdg) + "/ucrun";
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
    ctx.debug = g.has("debug");
    ctx.allow_host_root_mapping = g.has("allow-host-root-mapping");
    ctx.systemd_cgroup = g.has("systemd-cgroup");
    ctx.cgroup_manager = g.get("cgroup-manager", ctx.systemd_cgroup ? "systemd" : "cgroupfs");
    std::string fmt = g.get("log-format", "text");
    try {
        if (fmt != "text" && fmt != "json") throw Error("invalid log format: " + fmt + " (text or json)");
        ctx.rootless = rootless_mode(g.get("rootless", "auto"));
        ctx.root = state_root(g, ctx);
        if (ctx.cgroup_manager != "cgroupfs" && ctx.cgroup_manager != "systemd" && ctx.cgroup_manager != "disabled")
            throw Error("invalid --cgroup-manager " + ctx.cgroup_manager + " (cgroupfs, systemd or disabled)");
        ctx.log.open(g.get("log"), fmt == "json", ctx.debug);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ucrun: %s\n", e.what());
        return 1;
    }
    try {
        load_config(ctx, g);
    } catch (const std::exception& e) {
        ctx.log.error(e.what());
        return 1;
    }

    const std::string& name = g.args[0];
    const cli::Command* cmd = nullptr;
    for (const cli::Command* c : cli::commands())
        if (name == c->name) cmd = c;
    if (!cmd) {
        ctx.log.error("No help topic for '" + name + "'");
        return 1;
    }
    if (ctx.root.empty() && name != "spec" && name != "features" && name != "check") {
        ctx.log.error(std::string("rootless: XDG_RUNTIME_DIR is ") +
                      (std::getenv("XDG_RUNTIME_DIR") ? "not an absolute path" : "not set") +
                      ": set it to a directory of yours (e.g. /run/user/" + std::to_string(::geteuid()) +
                      ") or pass --root");
        return 1;
    }
    try {
        cli::Parsed p = cli::parse(cmd->flags, g.args, 1);
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
