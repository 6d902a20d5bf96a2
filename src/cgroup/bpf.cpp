#include "cgroup/bpf.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

long sys_bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

uint64_t ptr(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

}  // namespace

Fd load_device_program(const std::vector<bpf_insn>& prog) {
    static const char license[] = "Apache";  // no GPL-only helpers are used
    auto load = [&](char* log, uint32_t log_size) {
        bpf_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = ptr(prog.data());
        attr.insn_cnt = static_cast<uint32_t>(prog.size());
        attr.license = ptr(license);
        if (log) {
            attr.log_buf = ptr(log);
            attr.log_size = log_size;
            attr.log_level = 1;
        }
        return static_cast<int>(sys_bpf(BPF_PROG_LOAD, attr));
    };
    int fd = load(nullptr, 0);
    if (fd >= 0) return Fd(fd);
    int err = errno;
    // Retry with the verifier log, for the message.
    std::string log(64 * 1024, '\0');
    if (int fd2 = load(log.data(), static_cast<uint32_t>(log.size())); fd2 >= 0) return Fd(fd2);
    log.resize(std::strlen(log.c_str()));
    while (!log.empty() && log.back() == '\n') log.pop_back();
    std::string what = "bpf(BPF_PROG_LOAD) cgroup device filter (" + std::to_string(prog.size()) + " insns)";
    if (!log.empty()) what += " [verifier: " + log + "]";
    throw SysError(what, err);
}

std::vector<uint32_t> attached_device_programs(int cgroup_fd, const std::string& cgroup_dir) {
    std::vector<uint32_t> ids(64);
    for (;;) {
        bpf_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = ptr(ids.data());
        attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (sys_bpf(BPF_PROG_QUERY, attr) == 0) {
            ids.resize(attr.query.prog_cnt);
            return ids;
        }
        if (errno == ENOSPC && attr.query.prog_cnt > ids.size()) {
            ids.resize(attr.query.prog_cnt);
            continue;
        }
        throw SysError("bpf(BPF_PROG_QUERY) device programs of " + cgroup_dir, errno);
    }
}

void attach_device_program(int cgroup_fd, int prog_fd, const std::string& cgroup_dir) {
    auto old = attached_device_programs(cgroup_fd, cgroup_dir);

    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, attr) < 0)
        throw SysError("bpf(BPF_PROG_ATTACH) device filter to " + cgroup_dir, errno);

    for (uint32_t id : old) {
        std::memset(&attr, 0, sizeof attr);
        attr.prog_id = id;
        long fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, attr);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // already gone
            throw SysError("bpf(BPF_PROG_GET_FD_BY_ID) " + std::to_string(id), errno);
        }
        Fd old_fd(static_cast<int>(fd));
        std::memset(&attr, 0, sizeof attr);
        attr.target_fd = static_cast<uint32_t>(cgroup_fd);
        attr.attach_bpf_fd = static_cast<uint32_t>(old_fd.get());
        attr.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, attr) < 0 && errno != ENOENT)
            throw SysError("bpf(BPF_PROG_DETACH) old device filter " + std::to_string(id) + " from " + cgroup_dir,
                           errno);
    }
}

}  // namespace ucrun::cgroup
