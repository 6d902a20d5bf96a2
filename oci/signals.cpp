// Signal names for `kill` (runtime.md "Kill"): "KILL", "SIGKILL", "sigkill",
// "9", "RTMIN+3", "SIGRTMAX-1". Plain table of <csignal> constants.
#include "oci/signals.hpp"

#include <csignal>
#include <string_view>
#include <utility>

namespace oci {

namespace {

constexpr std::pair<std::string_view, int> signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},      {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

constexpr int max_signal = 64;  // SIGRTMAX on Linux

std::optional<int> parse_number(std::string_view s) {
    if (s.empty() || s.size() > 2) return std::nullopt;
    int n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace

std::optional<int> parse_signal(const std::string& input) {
    if (auto n = parse_number(input)) {
        if (*n >= 1 && *n <= max_signal) return n;
        return std::nullopt;
    }
    std::string up;
    for (char c : input) up += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    std::string_view name = up;
    if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
    for (const auto& [n, sig] : signals)
        if (n == name) return sig;
    // SIGRTMIN / SIGRTMIN+n / SIGRTMAX / SIGRTMAX-n (signal(7)).
    const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
    auto rt = [&](std::string_view prefix, int base, char sign) -> std::optional<int> {
        if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
        std::string_view rest = name.substr(prefix.size());
        if (rest.empty()) return base;
        if (rest[0] != sign) return std::nullopt;
        auto off = parse_number(rest.substr(1));
        if (!off) return std::nullopt;
        int sig = sign == '+' ? base + *off : base - *off;
        if (sig < rtmin || sig > rtmax) return std::nullopt;
        return sig;
    };
    if (auto s = rt("RTMIN", rtmin, '+')) return s;
    if (auto s = rt("RTMAX", rtmax, '-')) return s;
    return std::nullopt;
}

}  // namespace oci
