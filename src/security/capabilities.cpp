// See capabilities.hpp. Spec: config.md "Linux Process" (capabilities).
#include "security/capabilities.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>

#include "oci/error.hpp"
#include "oci/names.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::security {

std::optional<int> cap_from_name(std::string_view name) {
    int n = oci::capability_number(std::string(name));
    if (n < 0) return std::nullopt;
    return n;
}

std::string cap_name(int cap) { return oci::capability_name(cap); }

std::vector<std::string> capability_names() {
    std::vector<std::string> v;
    for (int i = 0; i <= oci::last_capability; ++i) v.emplace_back(oci::capability_name(i));
    return v;
}

namespace {

// PR_CAPBSET_READ of `cap`: 0 or 1 for a capability the kernel has, -1 and
// EINVAL past its last one (prctl(2)).
bool kernel_has_cap(int cap) { return ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; }

}  // namespace

int read_last_cap() {
    // Two prctl calls on a kernel as new as the headers (the last one is
    // there, the next is not), instead of a cold open of /proc/sys (a
    // sysctl lookup: ~10 us on the benchmark's host; tests/bench/
    // PERFORMANCE.md, "eighth pass"). An older kernel walks down, a newer
    // one up.
    int c = CAP_LAST_CAP;
    if (kernel_has_cap(c)) {
        while (c < 63 && kernel_has_cap(c + 1)) ++c;
        return c;
    }
    if (errno == EINVAL) {
        while (c > 0 && !kernel_has_cap(c)) --c;
        if (kernel_has_cap(c)) return c;
    }
    // prctl refused (a seccomp filter around ucrun): the file, then.
    // A plain read, not an ifstream: the first stream of the process builds
    // the C++ locale (dozens of facets, each on pages of its own), and
    // create calls this before clone3 (issue 17; config/yaml_ios_init.cpp).
    char buf[16] = {};
    if (Fd f{::open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC)}) {
        if (::read(f.get(), buf, sizeof buf - 1) > 0) {
            char* end = nullptr;
            long n = std::strtol(buf, &end, 10);
            if (end != buf && n >= 0 && n < 64) return static_cast<int>(n);
        }
    }
    throw Error("cannot determine the kernel's last capability (/proc/sys/kernel/cap_last_cap)");
}

namespace {

uint64_t mask_of(const std::optional<std::vector<std::string>>& names, int last_cap,
                 std::vector<std::string>& ignored) {
    uint64_t m = 0;
    if (!names) return m;
    for (const auto& n : *names) {
        auto c = cap_from_name(n);
        // config.md "Linux Process": a capability that cannot be granted is
        // logged as a warning; runtimes SHOULD NOT fail.
        if (!c || *c > last_cap) {
            bool seen = false;
            for (const auto& i : ignored) seen = seen || i == n;
            if (!seen) ignored.push_back(n);
            continue;
        }
        m |= uint64_t{1} << *c;
    }
    return m;
}

}  // namespace

CapSets resolve(const oci::Capabilities& caps, int last_cap) {
    CapSets s;
    s.bounding = mask_of(caps.bounding, last_cap, s.ignored);
    s.effective = mask_of(caps.effective, last_cap, s.ignored);
    s.permitted = mask_of(caps.permitted, last_cap, s.ignored);
    s.inheritable = mask_of(caps.inheritable, last_cap, s.ignored);
    s.ambient = mask_of(caps.ambient, last_cap, s.ignored);
    return s;
}

CapSets resolve(const std::optional<oci::Capabilities>& caps, int last_cap) {
    if (!caps) return CapSets{};
    return resolve(*caps, last_cap);
}

bool in_bounding(int cap) { return ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1; }

bool in_ambient(int cap) { return ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1; }

void drop_bounding(const sys::Kernel& k, const CapSets& sets, int last_cap) {
    // PR_CAPBSET_DROP needs CAP_SETPCAP and is idempotent with it
    // (capability.c cap_prctl_drop): holding it, drop straight away, one
    // prctl per capability instead of a read and a drop (issue 17). Without
    // it, read first: a capability already out of the set is no error.
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    const bool may_drop = k.capget(&hdr, data) == 0 && ((data[0].effective >> CAP_SETPCAP) & 1);
    for (int c = 0; c <= last_cap && c < 64; ++c) {
        if (sets.bounding & (uint64_t{1} << c)) continue;
        int r = may_drop ? 1 : k.prctl(PR_CAPBSET_READ, c, 0, 0, 0);
        if (r < 0) {
            if (errno == EINVAL) continue;  // not known to this kernel
            throw_errno("prctl(PR_CAPBSET_READ, " + cap_name(c) + ")");
        }
        if (r == 0) continue;  // already dropped: no CAP_SETPCAP needed
        if (k.prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
            if (errno == EINVAL) continue;
            throw_errno("prctl(PR_CAPBSET_DROP, " + cap_name(c) + ")");
        }
    }
}

void drop_bounding(const sys::Kernel& k, const oci::Capabilities& caps, int last_cap) {
    drop_bounding(k, resolve(caps, last_cap), last_cap);
}

CurrentCaps current() {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &hdr, data) < 0) throw_errno("capget");
    auto join = [](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
    return {join(data[0].effective, data[1].effective), join(data[0].permitted, data[1].permitted),
            join(data[0].inheritable, data[1].inheritable)};
}

std::vector<std::string> apply(const sys::Kernel& k, const CapSets& sets) {
    std::vector<std::string> warnings;
    for (const auto& n : sets.ignored) warnings.push_back("ignoring unknown or unavailable capability " + oci::excerpt(n));

    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};  // pid 0: this thread
    __user_cap_data_struct data[2]{};
    data[0].effective = static_cast<uint32_t>(sets.effective);
    data[1].effective = static_cast<uint32_t>(sets.effective >> 32);
    data[0].permitted = static_cast<uint32_t>(sets.permitted);
    data[1].permitted = static_cast<uint32_t>(sets.permitted >> 32);
    data[0].inheritable = static_cast<uint32_t>(sets.inheritable);
    data[1].inheritable = static_cast<uint32_t>(sets.inheritable >> 32);
    if (k.capset(&hdr, data) < 0) throw_errno("capset (process.capabilities)");

    // Ambient: clear, then raise (the kernel requires each to be permitted
    // and inheritable; runc warns and goes on when a raise fails).
    if (k.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        if (errno != EINVAL) throw_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
        if (sets.ambient) warnings.push_back("ambient capabilities are not supported by this kernel");
        return warnings;
    }
    for (int c = 0; c < 64; ++c) {
        if (!(sets.ambient & (uint64_t{1} << c))) continue;
        if (k.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            warnings.push_back("cannot raise ambient capability " + cap_name(c) + ": " + std::strerror(errno));
    }
    return warnings;
}

std::vector<std::string> apply(const sys::Kernel& k, const oci::Capabilities& caps, int last_cap) {
    return apply(k, resolve(caps, last_cap));
}

}  // namespace ucrun::security
