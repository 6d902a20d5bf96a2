// config.md "execCPUAffinity": the CPUs a process joining the container
// (`ucrun exec`) runs on. The spec says it does not apply to the init.
//   initial: the CPUs of the runtime parent before the process is in the
//     container's cgroup. ucrun runs on them around the clone, the child
//     inherits them; on cgroup v2 the child is born in the cgroup
//     (CLONE_INTO_CGROUP), so the kernel then decides, as the spec allows.
//   final: set by the child on itself once it has placed itself in the
//     cgroup (cgroup::Manager::clone_fd), before it goes on (runc 1.3 sets
//     it from its parent once it has placed the child). "" or absent: the
//     affinity is left to the kernel.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace ucrun::proc {

class ExecAffinity {
public:
    // Parses both lists (oci/cpu_list.hpp): a bad one throws a SpecError
    // naming `document` and `path` (the JSON path of execCPUAffinity)
    // before anything is made.
    ExecAffinity(const std::optional<oci::ExecCPUAffinity>& setting, std::string document, std::string path);
    ~ExecAffinity();
    ExecAffinity(const ExecAffinity&) = delete;
    ExecAffinity& operator=(const ExecAffinity&) = delete;

    // This process onto `initial` (kept to restore), and back: call the
    // second in the parent only, after the clone.
    void enter_initial();
    void leave_initial();
    // `final` for the process `child` (0: the caller), once it is in the
    // container's cgroup.
    void apply_final(pid_t child) const;

private:
    std::vector<unsigned long> initial_, final_;  // empty: no change
    std::vector<unsigned long> saved_;            // our own mask while on `initial`
    std::string initial_text_, final_text_;
    std::string document_, path_;
};

// Which setting an exec uses: the --process file's when it has one, else
// config.json's process.execCPUAffinity (as the other process fields a
// --process file leaves out, runc). Without --process, `p` is config.json's.
ExecAffinity exec_affinity(const oci::Process& p, const oci::Process* config_process, const std::string& process_file);

}  // namespace ucrun::proc
