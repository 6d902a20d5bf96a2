#include "sys/mountinfo.hpp"

#include <charconv>

namespace ucrun::sys {

std::string unescape_mountinfo(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t k = 1; k <= 3; ++k) {
                char c = s[i + k];
                ok = ok && c >= '0' && c <= '7';
                v = v * 8 + (c - '0');
            }
            if (ok && v < 256) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

namespace {

bool to_u64(std::string_view s, uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::optional<MountInfo> parse_mountinfo_line(std::string_view line) {
    // Fields are separated by single spaces; blanks inside them are escaped.
    std::vector<std::string_view> f;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
        if (i < line.size() && line[i] != ' ') continue;
        f.push_back(line.substr(start, i - start));
        start = i + 1;
    }
    // id parent maj:min root mountpoint options [optional...] - type source superopts
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 10 || dash + 4 != f.size()) return std::nullopt;
    MountInfo m;
    if (!to_u64(f[0], m.id) || !to_u64(f[1], m.parent)) return std::nullopt;
    m.root = unescape_mountinfo(f[3]);
    m.mount_point = unescape_mountinfo(f[4]);
    m.fstype = unescape_mountinfo(f[dash + 1]);
    m.source = unescape_mountinfo(f[dash + 2]);
    m.super_options = std::string(f[dash + 3]);
    for (size_t i = 6; i < dash; ++i) m.shared |= f[i].substr(0, 7) == "shared:";
    return m;
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    std::vector<MountInfo> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        if (auto m = parse_mountinfo_line(text.substr(pos, eol - pos))) out.push_back(std::move(*m));
        pos = eol + 1;
    }
    return out;
}

const MountInfo* find_mount(const std::vector<MountInfo>& mi, uint64_t id) {
    for (const auto& m : mi)
        if (m.id == id) return &m;
    return nullptr;
}

bool is_under(const std::string& path, const std::string& dir) {
    if (dir == "/") return path.size() > 1 && path[0] == '/';
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

}  // namespace ucrun::sys
