#include "cgroup/devices.hpp"

#include "cgroup/fsio.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

std::string access_string(unsigned a) {
    std::string s;
    if (a & kAccRead) s += 'r';
    if (a & kAccWrite) s += 'w';
    if (a & kAccMknod) s += 'm';
    return s;
}

bool parse_access(const std::string& s, unsigned& out) {
    out = 0;
    for (char c : s) {
        if (c == 'r') out |= kAccRead;
        else if (c == 'w') out |= kAccWrite;
        else if (c == 'm') out |= kAccMknod;
        else return false;
    }
    return true;
}

std::string num(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

}  // namespace

std::string DeviceRule::v1_string() const {
    return std::string(1, type) + " " + num(major) + ":" + num(minor) + " " + access_string(access);
}

std::vector<DeviceRule> device_rules(const std::vector<oci::DeviceCgroup>& in) {
    std::vector<DeviceRule> out;
    for (size_t i = 0; i < in.size(); ++i) {
        const auto& d = in[i];
        std::string where = "linux.resources.devices[" + std::to_string(i) + "]";
        DeviceRule r;
        r.allow = d.allow;
        std::string t = d.type.value_or("a");
        if (t.empty()) t.push_back('a');
        if (t != "a" && t != "c" && t != "b") throw Error(where + ".type: invalid device type \"" + t + "\"");
        r.type = t[0];
        r.major = d.major.value_or(-1);
        r.minor = d.minor.value_or(-1);
        if (r.major < -1 || r.minor < -1) throw Error(where + ": invalid major/minor");
        // The kernel's numbers are 32-bit (v1 devices.allow, and the eBPF
        // program's bpf_cgroup_dev_ctx): a larger one would be cut to its
        // low bits and name another device.
        if (r.major > 0xffffffffLL) throw Error(where + ".major: " + std::to_string(r.major) + " is out of range");
        if (r.minor > 0xffffffffLL) throw Error(where + ".minor: " + std::to_string(r.minor) + " is out of range");
        // Absent access: runc's specconv leaves it empty, which the v1 kernel
        // reads as "rwm"; we say so explicitly.
        std::string acc = d.access.value_or("rwm");
        if (acc.empty()) acc = std::string("rwm");
        if (!parse_access(acc, r.access)) throw Error(where + ".access: invalid access \"" + acc + "\"");
        out.push_back(r);
    }
    return out;
}

void DeviceState::apply(const DeviceRule& r) {
    if (r.type == 'a') {
        // "a" resets the whole list whatever its major/minor/access
        // (kernel devcgroup_update_access; runc emulator).
        default_allow = r.allow;
        exceptions.clear();
        return;
    }
    auto key = std::make_tuple(r.type, r.major, r.minor);
    if (r.allow != default_allow) {
        exceptions[key] |= r.access;
    } else if (auto it = exceptions.find(key); it != exceptions.end()) {
        it->second &= ~r.access;
        if (it->second == 0) exceptions.erase(it);
    }
}

DeviceState DeviceState::from(const std::vector<DeviceRule>& rules) {
    DeviceState s;
    for (const auto& r : rules) s.apply(r);
    return s;
}

DeviceState DeviceState::from_v1_list(const std::string& text) {
    DeviceState s;
    for (const auto& line : split(text, '\n')) {
        auto f = fields(line);
        if (f.size() != 3 || f[0].size() != 1) continue;
        auto mm = split(f[1], ':');
        if (mm.size() != 2) continue;
        DeviceRule r;
        r.type = f[0][0];
        r.major = mm[0] == "*" ? -1 : std::stoll(mm[0]);
        r.minor = mm[1] == "*" ? -1 : std::stoll(mm[1]);
        if (!parse_access(f[2], r.access)) continue;
        r.allow = true;
        if (r.type == 'a') {
            s.default_allow = true;
            s.exceptions.clear();
            return s;
        }
        s.apply(r);
    }
    return s;
}

std::vector<DeviceRule> DeviceState::transition_from(const DeviceState& from, bool force_full) const {
    std::vector<DeviceRule> out;
    const decltype(exceptions)* old = &from.exceptions;
    decltype(exceptions) none;
    if (force_full || from.default_allow || from.default_allow != default_allow) {
        out.push_back(DeviceRule{'a', -1, -1, kAccAll, default_allow});
        old = &none;
    }
    for (const auto& [key, perms] : *old) {
        unsigned want = 0;
        if (auto it = exceptions.find(key); it != exceptions.end()) want = it->second;
        if (unsigned dropped = perms & ~want)
            out.push_back(DeviceRule{std::get<0>(key), std::get<1>(key), std::get<2>(key), dropped, default_allow});
    }
    for (const auto& [key, perms] : exceptions) {
        unsigned had = 0;
        if (auto it = old->find(key); it != old->end()) had = it->second;
        if (unsigned gained = perms & ~had)
            out.push_back(DeviceRule{std::get<0>(key), std::get<1>(key), std::get<2>(key), gained, !default_allow});
    }
    return out;
}

std::vector<oci::DeviceCgroup> default_device_rules() {
    auto rule = [](const char* type, int64_t major, int64_t minor, const char* access) {
        oci::DeviceCgroup d;
        d.allow = true;
        d.type = type;
        if (major >= 0) d.major = major;
        if (minor >= 0) d.minor = minor;
        d.access = access;
        return d;
    };
    return {
        rule("c", -1, -1, "m"),  rule("b", -1, -1, "m"),   // mknod any device
        rule("c", 1, 3, "rwm"),  rule("c", 1, 8, "rwm"),   // null, random
        rule("c", 1, 7, "rwm"),  rule("c", 5, 0, "rwm"),   // full, tty
        rule("c", 1, 5, "rwm"),  rule("c", 1, 9, "rwm"),   // zero, urandom
        rule("c", 136, -1, "rwm"), rule("c", 5, 2, "rwm"), // pts/*, ptmx
    };
}

}  // namespace ucrun::cgroup
