#include "proc/cpu_affinity.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>

#include "oci/cpu_list.hpp"
#include "oci/error.hpp"

namespace ucrun::proc {

namespace {

// CONFIG_NR_CPUS is at most 8192: no CPU number beyond, and a mask of that
// size holds any kernel's (sched_setaffinity(2) "Handling systems with
// large CPU affinity masks").
constexpr unsigned long kMaxCpus = 8192;

std::vector<unsigned long> mask_of(const std::optional<std::string>& list, const std::string& document,
                                   const std::string& path) {
    if (!list || list->empty()) return {};
    auto ranges = oci::parse_cpu_list(*list);
    if (!ranges) throw oci::SpecError(document, path, "invalid CPU list \"" + *list + "\"");
    auto mask = oci::cpu_mask(*ranges, kMaxCpus);
    if (!mask) throw oci::SpecError(document, path, "CPU numbers must be below " + std::to_string(kMaxCpus));
    return *mask;
}

int set_affinity(pid_t pid, const std::vector<unsigned long>& mask) {
    return ::sched_setaffinity(pid, mask.size() * sizeof(unsigned long), reinterpret_cast<const cpu_set_t*>(mask.data()));
}

}  // namespace

ExecAffinity::ExecAffinity(const std::optional<oci::ExecCPUAffinity>& setting, std::string document, std::string path)
    : document_(std::move(document)), path_(std::move(path)) {
    if (!setting) return;
    initial_text_ = setting->initial.value_or("");
    final_text_ = setting->final_.value_or("");
    initial_ = mask_of(setting->initial, document_, path_ + ".initial");
    final_ = mask_of(setting->final_, document_, path_ + ".final");
}

ExecAffinity::~ExecAffinity() { leave_initial(); }

void ExecAffinity::enter_initial() {
    if (initial_.empty()) return;
    std::vector<unsigned long> own(kMaxCpus / (8 * sizeof(unsigned long)), 0);
    if (::sched_getaffinity(0, own.size() * sizeof(unsigned long), reinterpret_cast<cpu_set_t*>(own.data())) < 0)
        throw oci::SpecError(document_, path_ + ".initial", std::string("read our CPU affinity: ") + std::strerror(errno));
    if (set_affinity(0, initial_) < 0)
        throw oci::SpecError(document_, path_ + ".initial",
                             "set CPU affinity \"" + initial_text_ + "\": " + std::strerror(errno));
    saved_ = std::move(own);
}

void ExecAffinity::leave_initial() {
    if (saved_.empty()) return;
    (void)set_affinity(0, saved_);  // the mask we ran on: accepted before
    saved_.clear();
}

void ExecAffinity::apply_final(pid_t child) const {
    if (final_.empty()) return;
    if (set_affinity(child, final_) < 0)
        throw oci::SpecError(document_, path_ + ".final",
                             "set CPU affinity \"" + final_text_ + "\": " + std::strerror(errno));
}

ExecAffinity exec_affinity(const oci::Process& p, const oci::Process* config_process, const std::string& process_file) {
    if (!process_file.empty() && p.execCPUAffinity) return ExecAffinity(p.execCPUAffinity, process_file, "execCPUAffinity");
    return ExecAffinity(config_process ? config_process->execCPUAffinity : std::nullopt, "config.json",
                        "process.execCPUAffinity");
}

}  // namespace ucrun::proc
