#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "container/ops.hpp"
#include "container/ps.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"

extern char** environ;

namespace ucrun::cli {

namespace {

// `ps ARGS`, stdout and stderr together (runc: CombinedOutput).
std::string run_ps(const std::vector<std::string>& ps_args, int& status) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("pipe");
    Fd rd(fds[0]), wr(fds[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
    std::vector<std::string> argv = {"ps"};
    argv.insert(argv.end(), ps_args.begin(), ps_args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid;
    int rc = ::posix_spawnp(&pid, "ps", &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw_errno("exec: \"ps\"", rc);
    wr.reset();
    std::string out = sys::read_all(rd.get());
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return out;
}

int run(Context& ctx, const Parsed& p) {
    if (p.args.empty()) throw UsageError("\"ps\" requires a minimum of 1 argument");
    std::string fmt = p.get("format", "table");
    if (fmt != "table" && fmt != "json") throw Error("invalid format option");
    state::Record r = container::load_live(ctx, container_id(p));
    std::vector<pid_t> pids = container::container_pids(r);
    if (fmt == "json") {
        sys::write_all(1, nlohmann::json(pids).dump() + "\n");
        return 0;
    }
    std::vector<std::string> ps_args(p.args.begin() + 1, p.args.end());
    if (ps_args.empty()) ps_args = {"-ef"};
    int status = 0;
    std::string out = run_ps(ps_args, status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                    ": " + out);
    // The header names the PID column; keep the lines whose pid is ours.
    std::istringstream in(out);
    std::string header;
    std::getline(in, header);
    std::istringstream hs(header);
    std::string field;
    int pid_index = -1;
    for (int i = 0; hs >> field; ++i)
        if (field == "PID") {
            pid_index = i;
            break;
        }
    if (pid_index < 0) throw Error("couldn't find PID field in ps output");
    std::string result = header + "\n";
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        std::istringstream ls(line);
        std::string f;
        for (int i = 0; i <= pid_index && ls >> f; ++i) {
        }
        char* end = nullptr;
        long pid = std::strtol(f.c_str(), &end, 10);
        if (f.empty() || *end) throw Error("unable to parse pid: " + f);
        for (pid_t want : pids)
            if (want == pid) {
                result += line + "\n";
                break;
            }
    }
    sys::write_all(1, result);
    return 0;
}
}  // namespace

const Command& ps_command() {
    static constexpr FlagSpec kFlags[] = {{"format", "f", true, "select one of: table or json (default: \"table\")"}};
    static constexpr Command kCommand{"ps", "ps [options] <container-id> [ps options]",
                                      "displays the processes running inside a container", kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
