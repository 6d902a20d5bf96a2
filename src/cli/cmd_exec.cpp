#include "cli/command.hpp"
#include "sys/kernel.hpp"
#include "container/exec.hpp"

namespace ucrun::cli {

namespace {
int run(Context& ctx, const Parsed& p) {
    if (p.args.empty()) throw UsageError("\"exec\" requires a minimum of 1 argument");
    container::ExecOptions o;
    o.id = container_id(p);
    o.args.assign(p.args.begin() + 1, p.args.end());
    // `exec ID -- cmd -flag` (ucrun-exec(8); runc would run "--").
    if (!o.args.empty() && o.args[0] == "--") o.args.erase(o.args.begin());
    o.process_file = p.get("process");
    if (p.has("tty")) o.tty = true;
    o.detach = p.has("detach");
    o.pid_file = p.get("pid-file");
    o.console_socket = p.get("console-socket");
    o.cwd = p.get("cwd");
    o.env = p.all("env");
    o.user = p.get("user");
    o.additional_gids = p.all("additional-gids");
    o.caps = p.all("cap");
    if (p.has("no-new-privs")) o.no_new_privs = true;
    o.apparmor = p.get("apparmor");
    o.process_label = p.get("process-label");
    o.preserve_fds = parse_int_flag(p, "preserve-fds", 0);
    o.ignore_paused = p.has("ignore-paused");
    try {
        return container::exec(sys::linux_kernel(), ctx, o);
    } catch (const std::exception& e) {
        // runc: "exec failed: ..." and status 255, so that a failure to
        // start is told apart from the process's own status.
        ctx.log.error(std::string("exec failed: ") + e.what());
        return 255;
    }
}
}  // namespace

const Command& exec_command() {
    static constexpr FlagSpec kFlags[] = {
        {"console-socket", "", true, "unix socket to receive the pty master (with --tty)"},
        {"cwd", "", true, "current working directory in the container"},
        {"env", "e", true, "set an environment variable (repeatable)", true},
        {"tty", "t", false, "allocate a pseudo-TTY"},
        {"user", "u", true, "UID (format: <uid>[:<gid>])"},
        {"additional-gids", "g", true, "additional gids (repeatable)", true},
        {"process", "p", true, "path to the process.json"},
        {"detach", "d", false, "detach from the container's process"},
        {"pid-file", "", true, "file to write the process id to"},
        {"process-label", "", true, "SELinux label for the process"},
        {"apparmor", "", true, "AppArmor profile for the process"},
        {"no-new-privs", "", false, "set the no new privileges value for the process"},
        {"cap", "c", true, "add a capability to the bounding set for the process (repeatable)", true},
        {"preserve-fds", "", true, "pass N additional file descriptors (from 3) to the process"},
        {"ignore-paused", "", false, "allow exec in a paused container"},
    };
    static constexpr Command kCommand{
        "exec", "exec [options] <container-id> <command> [command options]  || -p process.json <container-id>",
        "execute new process inside the container", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
