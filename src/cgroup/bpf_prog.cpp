// The eBPF device filter for cgroup v2 (cgroup-v2.rst "Device controller":
// access is controlled by BPF_PROG_TYPE_CGROUP_DEVICE programs). The program
// reads struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// where access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*; it returns
// 1 to allow, 0 to deny. The same decisions as runc's devicefilter, in
// another shape (below).
#include "cgroup/devices.hpp"

#include <cstddef>

namespace ucrun::cgroup {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0); }
bpf_insn alu32_k(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn alu32_x(uint8_t op, uint8_t dst, uint8_t src) { return insn(BPF_ALU | op | BPF_X, dst, src, 0, 0); }
bpf_insn alu64_k(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }
bpf_insn alu64_x(uint8_t op, uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | op | BPF_X, dst, src, 0, 0); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers after the prologue; R6 and R7 are scratch.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7;

// A 32-bit immediate of a u32 value (the ALU32 operations use its low bits).
int32_t imm32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

}  // namespace

// Without a single branch. The verifier walks every path of a program, and
// on a chain of "if type != c goto next" tests it learns constants it then
// backtracks through at each later test of the same register: the branchy
// form of the ten default rules (59 instructions) took ~270 µs to load on
// this project's test host, this one (110) ~140 µs, next to ~35 µs for an
// empty program (tests/bench/PERFORMANCE.md, "ninth pass"). Each exception
// computes in R6 a value that is zero exactly when it matches (the XOR of
// each tested field with the rule's value, ORed together), turns it into
// "R6 != 0" as the top bit of its 64-bit negation, and ANDs that into R0,
// "no exception matched so far"; the verdict is R0 or its opposite. R6's
// XORs leave it a value the verifier does not know, which is all it needs:
// what reaches R0 is a shift by 63 (0 or 1).
std::vector<bpf_insn> device_program(const DeviceState& state) {
    std::vector<bpf_insn> p;
    // Prologue: R2 = device type, R3 = requested access, R4 = major, R5 = minor.
    p.push_back(ldx_w(R2, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_k(BPF_AND, R2, 0xffff));
    p.push_back(ldx_w(R3, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_k(BPF_RSH, R3, 16));
    p.push_back(ldx_w(R4, R1, offsetof(bpf_cgroup_dev_ctx, major)));
    p.push_back(ldx_w(R5, R1, offsetof(bpf_cgroup_dev_ctx, minor)));
    p.push_back(alu32_k(BPF_MOV, R0, 1));

    for (const auto& [key, access] : state.exceptions) {
        auto [type, major, minor] = key;
        bool first = true;
        // R6 |= f(reg, op, imm), a 32-bit value that is 0 when the field
        // fits the rule.
        auto term = [&](uint8_t reg, uint8_t op, int32_t imm) {
            const uint8_t t = first ? R6 : R7;
            p.push_back(alu32_x(BPF_MOV, t, reg));
            p.push_back(alu32_k(op, t, imm));
            if (!first) p.push_back(alu64_x(BPF_OR, R6, R7));
            first = false;
        };
        if (type != 'a') term(R2, BPF_XOR, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        if ((access & kAccAll) != kAccAll) {
            if (!state.default_allow) {
                // As the v1 kernel (devcgroup_legacy_check_permission): an
                // allow exception must cover the whole request: R3 & ~access
                // is 0.
                term(R3, BPF_AND, static_cast<int32_t>(~access & kAccAll));
            } else {
                // A deny exception hits on any overlap, R3 & access != 0:
                // the term is (R3 & access) == 0, 1 or 0.
                const uint8_t t = first ? R6 : R7;
                p.push_back(alu32_x(BPF_MOV, t, R3));
                p.push_back(alu32_k(BPF_AND, t, static_cast<int32_t>(access)));
                p.push_back(alu64_k(BPF_NEG, t, 0));
                p.push_back(alu64_k(BPF_RSH, t, 63));
                p.push_back(alu32_k(BPF_XOR, t, 1));
                if (!first) p.push_back(alu64_x(BPF_OR, R6, R7));
                first = false;
            }
        }
        if (major >= 0) term(R4, BPF_XOR, imm32(static_cast<uint64_t>(major)));
        if (minor >= 0) term(R5, BPF_XOR, imm32(static_cast<uint64_t>(minor)));
        if (first) {
            // Nothing to test (no such exception comes out of DeviceState,
            // whose "a *:*" rules reset the default): it matches everything.
            p.push_back(alu32_k(BPF_MOV, R0, 0));
            continue;
        }
        // R6 is a zero-extended u32: its negation has the top bit set
        // exactly when it is not 0.
        p.push_back(alu64_k(BPF_NEG, R6, 0));
        p.push_back(alu64_k(BPF_RSH, R6, 63));
        p.push_back(alu64_x(BPF_AND, R0, R6));
    }
    // R0 = 1 when no exception matched: the default's verdict, which for a
    // deny-by-default state is the opposite of an exception's: 1 - R0, as
    // the top bit of R0 - 1. Not an XOR: the verifier's range tracking of
    // XOR is Linux 5.10, and without it the exit's check that R0 is 0 or 1
    // (CGROUP_DEVICE) fails; ADD, AND and RSH it tracks since before 5.8.
    if (!state.default_allow) {
        p.push_back(alu64_k(BPF_ADD, R0, -1));
        p.push_back(alu64_k(BPF_RSH, R0, 63));
    }
    p.push_back(exit_insn());
    return p;
}

}  // namespace ucrun::cgroup
