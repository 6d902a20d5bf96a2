// Capabilities: name table, set resolution, and a real drop/apply in a child.
#include <doctest/doctest.h>

#include <sys/prctl.h>
#include <unistd.h>

#include <fstream>

#include "helpers.hpp"
#include "security/capabilities.hpp"
#include "sys/error.hpp"

using namespace ucrun::security;

TEST_CASE("capability name table") {
    CHECK(cap_from_name("CAP_CHOWN") == 0);
    CHECK(cap_from_name("CAP_SETPCAP") == 8);
    CHECK(cap_from_name("CAP_NET_BIND_SERVICE") == 10);
    CHECK(cap_from_name("CAP_SYS_ADMIN") == 21);
    CHECK(cap_from_name("CAP_AUDIT_READ") == 37);
    CHECK(cap_from_name("CAP_PERFMON") == 38);
    CHECK(cap_from_name("CAP_BPF") == 39);
    CHECK(cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
    CHECK_FALSE(cap_from_name("CAP_NOPE"));
    CHECK_FALSE(cap_from_name("cap_chown"));  // case-sensitive, as runc
    auto names = capability_names();
    REQUIRE(names.size() == 41);
    for (int i = 0; i < 41; ++i) CHECK(cap_from_name(names[i]) == i);
    CHECK(cap_name(21) == "CAP_SYS_ADMIN");
    CHECK(cap_name(99).empty());
    int last = read_last_cap();
    CHECK(last >= 36);
    CHECK(last < 64);
    // Probed with prctl, it is what the kernel says in /proc.
    std::ifstream f("/proc/sys/kernel/cap_last_cap");
    int from_proc = -1;
    if (f >> from_proc) CHECK(last == from_proc);
}

TEST_CASE("capability sets resolve against the kernel's last cap") {
    oci::Capabilities c;
    c.bounding = {"CAP_KILL", "CAP_BPF", "CAP_CHOWN"};
    c.effective = {"CAP_KILL"};
    // permitted/inheritable/ambient absent: empty sets (runc)
    auto s = resolve(c, 38);  // a kernel without CAP_BPF
    CHECK(s.bounding == ((1ull << 5) | (1ull << 0)));
    CHECK(s.effective == (1ull << 5));
    CHECK(s.permitted == 0);
    CHECK(s.ambient == 0);
    REQUIRE(s.ignored.size() == 1);
    CHECK(s.ignored[0] == "CAP_BPF");
    CHECK(resolve(c, 40).bounding == ((1ull << 5) | (1ull << 0) | (1ull << 39)));

    c.ambient = {"CAP_WHATEVER"};  // unknown: ignored with a warning (config.md)
    auto w = resolve(c, 40);
    CHECK(w.ambient == 0);
    REQUIRE(w.ignored.size() == 1);
    CHECK(w.ignored[0] == "CAP_WHATEVER");
    CHECK(resolve(std::optional<oci::Capabilities>{}, 40).bounding == 0);
}

TEST_CASE("drop_bounding + apply in a child (runc's set)") {
    int last = read_last_cap();
    auto now = current();
    if (!(now.effective & (1ull << 8)) || !in_bounding(8)) {
        MESSAGE("skipped: needs CAP_SETPCAP");
        return;
    }
    oci::Capabilities c;
    std::vector<std::string> set = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    c.bounding = c.effective = c.permitted = c.inheritable = c.ambient = set;
    const uint64_t mask = (1ull << 29) | (1ull << 5) | (1ull << 10);
    int rc = test::in_child([&]() -> int {
        drop_bounding(ucrun::sys::linux_kernel(), c, last);
        if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return 1;
        auto warnings = apply(ucrun::sys::linux_kernel(), c, last);
        if (!warnings.empty()) return 2;
        auto cur = current();
        if (cur.effective != mask || cur.permitted != mask || cur.inheritable != mask) return 3;
        for (int i = 0; i <= last; ++i) {
            bool want = (mask >> i) & 1;
            if (in_bounding(i) != want) return 4;
            if (in_ambient(i) != want) return 5;
        }
        return 0;
    });
    CHECK(rc == 0);

    // Ambient without inheritable: a warning, not an error (runc).
    oci::Capabilities d;
    d.bounding = d.effective = d.permitted = d.ambient = std::vector<std::string>{"CAP_KILL"};
    rc = test::in_child([&]() -> int {
        drop_bounding(ucrun::sys::linux_kernel(), d, last);
        auto w = apply(ucrun::sys::linux_kernel(), d, last);
        if (w.size() != 1) return 1;
        if (w[0].find("CAP_KILL") == std::string::npos) return 2;
        if (in_ambient(5)) return 3;
        return 0;
    });
    CHECK(rc == 0);
}
