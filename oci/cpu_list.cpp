#include "oci/cpu_list.hpp"

namespace oci {

std::optional<std::vector<CpuRange>> parse_cpu_list(const std::string& s) {
    std::vector<CpuRange> out;
    if (s.empty()) return out;
    size_t pos = 0;
    auto number = [&](unsigned long& n) {
        const size_t start = pos;
        n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') n = n * 10 + static_cast<unsigned long>(s[pos++] - '0');
        return pos > start && pos - start <= 9;
    };
    for (;;) {
        CpuRange r;
        if (!number(r.first)) return std::nullopt;
        r.last = r.first;
        if (pos < s.size() && s[pos] == '-') {
            ++pos;
            if (!number(r.last) || r.last < r.first) return std::nullopt;
        }
        out.push_back(r);
        if (pos == s.size()) return out;
        if (s[pos++] != ',') return std::nullopt;
    }
}

std::optional<std::vector<unsigned long>> cpu_mask(const std::vector<CpuRange>& ranges, unsigned long limit) {
    constexpr unsigned long kBits = 8 * sizeof(unsigned long);
    std::vector<unsigned long> mask;
    for (const auto& r : ranges) {
        if (r.last >= limit) return std::nullopt;
        if (mask.size() <= r.last / kBits) mask.resize(r.last / kBits + 1, 0);
        for (unsigned long n = r.first; n <= r.last; ++n) mask[n / kBits] |= 1UL << (n % kBits);
    }
    return mask;
}

}  // namespace oci
