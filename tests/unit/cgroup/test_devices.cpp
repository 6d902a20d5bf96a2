#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>

#include "cgroup/devices.hpp"
#include "sys/error.hpp"

using namespace ucrun::cgroup;

namespace {

// A tiny interpreter for the instructions device_program() emits, run on a
// bpf_cgroup_dev_ctx: proves the program's decisions without loading it.
int run(const std::vector<bpf_insn>& prog, char type, unsigned access, uint32_t major, uint32_t minor) {
    bpf_cgroup_dev_ctx ctx{};
    ctx.access_type = (access << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    ctx.major = major;
    ctx.minor = minor;
    uint64_t r[11] = {};
    r[1] = reinterpret_cast<uintptr_t>(&ctx);
    size_t pc = 0;
    for (int steps = 0; steps < 10000; ++steps) {
        REQUIRE(pc < prog.size());
        const bpf_insn& i = prog[pc++];
        uint8_t cls = BPF_CLASS(i.code);
        if (cls == BPF_LDX) {
            REQUIRE(i.code == (BPF_LDX | BPF_MEM | BPF_W));
            uint32_t v;
            std::memcpy(&v, reinterpret_cast<const char*>(r[i.src_reg]) + i.off, 4);
            r[i.dst_reg] = v;
        } else if (cls == BPF_ALU || cls == BPF_ALU64) {
            // ALU32 works on the low halves and zero-extends its result.
            const bool wide = cls == BPF_ALU64;
            uint64_t src = BPF_SRC(i.code) == BPF_X ? r[i.src_reg] : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
            uint64_t d = r[i.dst_reg];
            if (!wide) {
                src = static_cast<uint32_t>(src);
                d = static_cast<uint32_t>(d);
            }
            switch (BPF_OP(i.code)) {
                case BPF_MOV: d = src; break;
                case BPF_AND: d &= src; break;
                case BPF_OR: d |= src; break;
                case BPF_ADD: d += src; break;
                case BPF_XOR: d ^= src; break;
                case BPF_RSH: d >>= src; break;
                case BPF_NEG: d = 0 - d; break;
                default: FAIL("unexpected alu op");
            }
            r[i.dst_reg] = wide ? d : static_cast<uint32_t>(d);
        } else if (cls == BPF_JMP) {
            if (BPF_OP(i.code) == BPF_EXIT) return static_cast<int>(r[0]);
            uint64_t src = BPF_SRC(i.code) == BPF_X ? r[i.src_reg] : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
            if (BPF_OP(i.code) == BPF_JNE) {
                if (r[i.dst_reg] != src) pc += static_cast<size_t>(i.off);
            } else {
                REQUIRE(BPF_OP(i.code) == BPF_JEQ);
                if (r[i.dst_reg] == src) pc += static_cast<size_t>(i.off);
            }
        } else {
            FAIL("unexpected insn class");
        }
    }
    FAIL("no exit");
    return -1;
}

oci::DeviceCgroup dc(bool allow, std::optional<std::string> type, std::optional<int64_t> major,
                     std::optional<int64_t> minor, std::optional<std::string> access) {
    oci::DeviceCgroup d;
    d.allow = allow;
    d.type = type;
    d.major = major;
    d.minor = minor;
    d.access = access;
    return d;
}

}  // namespace

TEST_CASE("device rules: parsing and v1 strings") {
    auto rules = device_rules({dc(false, std::nullopt, std::nullopt, std::nullopt, "rwm"),
                               dc(true, "c", 10, 229, "rw"), dc(true, "b", 8, std::nullopt, "r")});
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].v1_string() == "a *:* rwm");
    CHECK(rules[1].v1_string() == "c 10:229 rw");
    CHECK(rules[2].v1_string() == "b 8:* r");
    CHECK_THROWS_WITH_AS(device_rules({dc(true, "x", 1, 1, "r")}), doctest::Contains("devices[0].type"), ucrun::Error);
    CHECK_THROWS_WITH_AS(device_rules({dc(true, "c", 1, 1, "rx")}), doctest::Contains("devices[0].access"),
                         ucrun::Error);
}

TEST_CASE("device state follows the v1 semantics") {
    auto st = DeviceState::from(device_rules({dc(false, "a", std::nullopt, std::nullopt, "rwm"),
                                              dc(true, "c", 1, 3, "rw"), dc(true, "c", 1, 3, "m"),
                                              dc(false, "c", 1, 3, "w"), dc(true, "c", 5, 1, "r"),
                                              dc(false, "c", 5, 1, "r")}));
    CHECK_FALSE(st.default_allow);
    REQUIRE(st.exceptions.size() == 1);
    CHECK(st.exceptions.begin()->second == (kAccRead | kAccMknod));

    // "a" resets everything, whatever follows it in the rule
    st.apply(DeviceRule{'a', 1, 1, kAccRead, true});
    CHECK(st.default_allow);
    CHECK(st.exceptions.empty());
}

TEST_CASE("v1 writes: full list at create, differences on update") {
    auto target = DeviceState::from(device_rules({dc(true, "c", 1, 3, "rwm"), dc(true, "c", 1, 5, "rw")}));
    auto full = target.transition_from(DeviceState{}, true);
    REQUIRE(full.size() == 3);
    CHECK(full[0] == DeviceRule{'a', -1, -1, kAccAll, false});
    CHECK(full[1].v1_string() == "c 1:3 rwm");
    CHECK(full[1].allow);
    CHECK(full[2].v1_string() == "c 1:5 rw");

    // from an allow-all cgroup: deny-all first
    auto from_allow = target.transition_from(DeviceState::from_v1_list("a *:* rwm\n"), false);
    REQUIRE(from_allow.size() == 3);
    CHECK_FALSE(from_allow[0].allow);

    // update: the current list already has c 1:3 rwm and c 1:9 r
    auto cur = DeviceState::from_v1_list("c 1:3 rwm\nc 1:9 r\n");
    auto diff = target.transition_from(cur, false);
    REQUIRE(diff.size() == 2);
    CHECK(diff[0] == DeviceRule{'c', 1, 9, kAccRead, false});  // dropped
    CHECK(diff[1] == DeviceRule{'c', 1, 5, kAccRead | kAccWrite, true});
}

TEST_CASE("eBPF program: structure") {
    // No jump but the exit: the verifier then walks one path, not one per
    // rule (bpf_prog.cpp).
    auto only_exit_jumps = [](const std::vector<bpf_insn>& p) {
        for (size_t i = 0; i < p.size(); ++i)
            if (BPF_CLASS(p[i].code) == BPF_JMP && (BPF_OP(p[i].code) != BPF_EXIT || i + 1 != p.size())) return false;
        return true;
    };
    DeviceState deny_all;
    auto p = device_program(deny_all);
    CHECK(p.size() == 10);  // 6 prologue + "none matched" + its opposite (2) + exit
    CHECK(only_exit_jumps(p));
    DeviceState allow_all;
    allow_all.default_allow = true;
    CHECK(device_program(allow_all).size() == 8);  // the default verdict as is

    // c 1:3 rwm: three terms (2 + 3 + 3) + 3 to fold it in; with partial
    // access, 3 more.
    auto st = DeviceState::from(device_rules({dc(true, "c", 1, 3, "rwm")}));
    CHECK(device_program(st).size() == 10 + 11);
    st = DeviceState::from(device_rules({dc(true, "c", 1, 3, "rw")}));
    CHECK(device_program(st).size() == 10 + 14);
    st = DeviceState::from(device_rules({dc(true, "c", std::nullopt, std::nullopt, "m")}));
    CHECK(device_program(st).size() == 10 + 8);
    st = DeviceState::from(device_rules(default_device_rules()));
    CHECK(only_exit_jumps(device_program(st)));
    // Nothing the verifier of Linux 5.8/5.9 cannot range-track on the way to
    // R0 (its XOR tracking is 5.10): R0 is only ever moved to, ANDed,
    // added to and shifted.
    for (const auto& i : device_program(st))
        if ((BPF_CLASS(i.code) == BPF_ALU || BPF_CLASS(i.code) == BPF_ALU64) && i.dst_reg == 0)
            CHECK((BPF_OP(i.code) == BPF_MOV || BPF_OP(i.code) == BPF_AND || BPF_OP(i.code) == BPF_ADD ||
                   BPF_OP(i.code) == BPF_RSH));
}

TEST_CASE("device rules: a major or minor past 32 bits is refused, not cut to another device") {
    CHECK_THROWS_WITH_AS(device_rules({dc(true, "c", (int64_t{1} << 32) + 1, 3, "rw")}),
                         doctest::Contains("devices[0].major: 4294967297 is out of range"), ucrun::Error);
    CHECK_THROWS_WITH_AS(device_rules({dc(true, "c", 1, int64_t{1} << 32, "rw")}),
                         doctest::Contains("devices[0].minor"), ucrun::Error);
    CHECK(device_rules({dc(true, "c", 0xffffffffLL, 0xffffffffLL, "rw")}).size() == 1);
}

TEST_CASE("eBPF program: decisions") {
    auto rules = device_rules(default_device_rules());
    auto extra = device_rules({dc(true, "b", 8, 0, "r"), dc(true, "c", 10, 229, "rw")});
    rules.insert(rules.begin(), DeviceRule{'a', -1, -1, kAccAll, false});
    rules.insert(rules.end(), extra.begin(), extra.end());
    auto p = device_program(DeviceState::from(rules));

    CHECK(run(p, 'c', kAccRead | kAccWrite, 1, 3) == 1);  // /dev/null rw
    CHECK(run(p, 'c', kAccMknod, 1, 3) == 1);
    CHECK(run(p, 'c', kAccRead, 1, 4) == 0);                 // /dev/port
    CHECK(run(p, 'c', kAccMknod, 200, 7) == 1);              // c *:* m
    CHECK(run(p, 'b', kAccMknod, 8, 1) == 1);                // b *:* m
    CHECK(run(p, 'b', kAccRead, 8, 0) == 1);
    CHECK(run(p, 'b', kAccWrite, 8, 0) == 0);                // read-only
    CHECK(run(p, 'b', kAccRead | kAccWrite, 8, 0) == 0);
    CHECK(run(p, 'c', kAccRead, 136, 42) == 1);              // pts/*
    CHECK(run(p, 'c', kAccRead | kAccWrite, 10, 229) == 1);  // fuse
    CHECK(run(p, 'c', kAccMknod | kAccRead, 10, 229) == 0);  // rw only, and m alone is from c *:* m

    // a blacklist: allow all but deny c 1:3 w
    auto bl = device_program(DeviceState::from(device_rules(
        {dc(true, "a", std::nullopt, std::nullopt, "rwm"), dc(false, "c", 1, 3, "w")})));
    CHECK(run(bl, 'c', kAccRead, 1, 3) == 1);
    CHECK(run(bl, 'c', kAccWrite, 1, 3) == 0);
    CHECK(run(bl, 'c', kAccRead | kAccWrite, 1, 3) == 0);  // partial overlap denies (v1 kernel)
    CHECK(run(bl, 'b', kAccWrite, 8, 0) == 1);
}

namespace {

// What the program must decide (cgroup v1's devcgroup_legacy_check_permission
// on `st`): an exception whose type, major and minor fit gives its verdict,
// an allow exception only when it covers the whole request, a deny
// exception on any overlap.
int reference(const DeviceState& st, char type, unsigned access, uint32_t major, uint32_t minor) {
    for (const auto& [key, a] : st.exceptions) {
        auto [t, ma, mi] = key;
        if ((t != 'a' && t != type) || (ma >= 0 && ma != major) || (mi >= 0 && mi != minor)) continue;
        if (!st.default_allow && (access & ~a & kAccAll) == 0) return 1;
        if (st.default_allow && (access & a) != 0) return 0;
    }
    return st.default_allow ? 1 : 0;
}

}  // namespace

TEST_CASE("eBPF program: the same decisions as the v1 semantics, for 300 random rule lists") {
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    auto next = [&](unsigned n) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return static_cast<unsigned>(seed % n);
    };
    const char* types[] = {"a", "c", "b"};
    const char* accesses[] = {"r", "w", "m", "rw", "rm", "wm", "rwm"};
    for (int round = 0; round < 300; ++round) {
        std::vector<oci::DeviceCgroup> cfg;
        const unsigned n = 1 + next(6);
        for (unsigned i = 0; i < n; ++i) {
            std::optional<int64_t> major, minor;
            if (next(3)) major = next(4);
            if (next(3)) minor = next(4);
            cfg.push_back(dc(next(2) == 0, types[next(3)], major, minor, accesses[next(7)]));
        }
        const DeviceState st = DeviceState::from(device_rules(cfg));
        const auto p = device_program(st);
        for (char type : {'c', 'b'})
            for (unsigned access = 1; access <= kAccAll; ++access)
                for (uint32_t major = 0; major < 5; ++major)
                    for (uint32_t minor = 0; minor < 5; ++minor) {
                        CAPTURE(round);
                        CAPTURE(type);
                        CAPTURE(access);
                        CAPTURE(major);
                        CAPTURE(minor);
                        REQUIRE(run(p, type, access, major, minor) == reference(st, type, access, major, minor));
                    }
    }
}
