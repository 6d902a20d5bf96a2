// The eBPF device filter for cgroup v2 (cgroup-v2.rst "Device controller":
// access is controlled by BPF_PROG_TYPE_CGROUP_DEVICE programs). The program
// reads struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// where access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*; it returns
// 1 to allow, 0 to deny. Same shape as runc's devicefilter.
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
bpf_insn mov32_x(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jne_k(uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm); }
bpf_insn jne_x(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0); }
bpf_insn jeq_k(uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers after the prologue.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

}  // namespace

std::vector<bpf_insn> device_program(const DeviceState& state) {
    std::vector<bpf_insn> p;
    // Prologue: R2 = device type, R3 = requested access, R4 = major, R5 = minor.
    p.push_back(ldx_w(R2, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_k(BPF_AND, R2, 0xffff));
    p.push_back(ldx_w(R3, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_k(BPF_RSH, R3, 16));
    p.push_back(ldx_w(R4, R1, offsetof(bpf_cgroup_dev_ctx, major)));
    p.push_back(ldx_w(R5, R1, offsetof(bpf_cgroup_dev_ctx, minor)));

    for (const auto& [key, access] : state.exceptions) {
        auto [type, major, minor] = key;
        // Each test jumps past the rest of this block on mismatch; the
        // block ends with "mov r0, verdict; exit". Build the tests first,
        // then patch the offsets.
        std::vector<bpf_insn> block;
        std::vector<size_t> jumps;
        if (type != 'a') {
            jumps.push_back(block.size());
            block.push_back(jne_k(R2, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
        }
        if ((access & kAccAll) != kAccAll) {
            // As the v1 kernel (devcgroup_legacy_check_permission): an allow
            // exception must cover the whole request, (R3 & access) == R3;
            // a deny exception hits on any overlap, (R3 & access) != 0.
            block.push_back(mov32_x(R1, R3));
            block.push_back(alu32_k(BPF_AND, R1, static_cast<int32_t>(access)));
            jumps.push_back(block.size());
            block.push_back(state.default_allow ? jeq_k(R1, 0, 0) : jne_x(R1, R3, 0));
        }
        if (major >= 0) {
            jumps.push_back(block.size());
            block.push_back(jne_k(R4, static_cast<int32_t>(major), 0));
        }
        if (minor >= 0) {
            jumps.push_back(block.size());
            block.push_back(jne_k(R5, static_cast<int32_t>(minor), 0));
        }
        block.push_back(alu32_k(BPF_MOV, R0, state.default_allow ? 0 : 1));
        block.push_back(exit_insn());
        for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - j - 1);
        p.insert(p.end(), block.begin(), block.end());
    }
    p.push_back(alu32_k(BPF_MOV, R0, state.default_allow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

}  // namespace ucrun::cgroup
