#include "container/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "oci/parse.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::container {

const char* hook_name(HookKind k) {
    switch (k) {
        case HookKind::Prestart: return "prestart";
        case HookKind::CreateRuntime: return "createRuntime";
        case HookKind::CreateContainer: return "createContainer";
        case HookKind::StartContainer: return "startContainer";
        case HookKind::Poststart: return "poststart";
        case HookKind::Poststop: return "poststop";
    }
    return "hook";
}

namespace {

void run_one(const oci::Hook& h, const std::string& label, const std::string& state) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) < 0) throw_errno("pipe for hook " + label);
    std::vector<char*> argv, envp;
    for (const auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
    if (argv.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork hook " + label);
    if (pid == 0) {
        ::dup2(in[0], 0);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, nullptr);
        ::execve(h.path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(in[0]);
    Fd w(in[1]);
    sys::write_all(w.get(), state);  // the hook may not read it: EPIPE is fine
    w.reset();
    Fd pidfd(sys::pidfd_open(pid));
    int timeout_ms = h.timeout ? *h.timeout * 1000 : -1;
    struct pollfd p {pidfd.get(), POLLIN, 0};
    int n;
    do {
        n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw Error(label + " " + h.path + ": timed out after " + std::to_string(*h.timeout) + "s");
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw Error(label + " " + h.path + ": exec failed (exit status 127)");
    if (WIFEXITED(status)) throw Error(label + " " + h.path + ": exit status " + std::to_string(WEXITSTATUS(status)));
    throw Error(label + " " + h.path + ": killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace

void run_hook_list(const std::vector<oci::Hook>& hooks, HookKind kind, const nlohmann::json& state) {
    std::string s = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i)
        run_one(hooks[i], std::string(hook_name(kind)) + " hook #" + std::to_string(i), s);
}

void run_hooks(Context& ctx, const state::Record& r, HookKind kind) {
    if (!r.config.is_object() || !r.config.contains("hooks")) return;  // fast path: no hooks, no parsing
    oci::Config cfg = oci::parse_config(r.config);
    const std::vector<oci::Hook>* list = nullptr;
    switch (kind) {
        case HookKind::Poststart: list = &cfg.hooks.poststart; break;
        case HookKind::Poststop: list = &cfg.hooks.poststop; break;
        default: return;
    }
    if (list->empty()) return;
    oci::State st = r.state;
    if (kind == HookKind::Poststop) {
        st.status = oci::Status::Stopped;
        st.pid = 0;
    }
    try {
        run_hook_list(*list, kind, oci::to_json(st));
    } catch (const std::exception& e) {
        ctx.log.warn(e.what());
    }
}

}  // namespace ucrun::container
