#include "mount/overlay_options.hpp"

#include "sys/error.hpp"
#include "sys/mountinfo.hpp"

namespace ucrun::mount {

namespace {

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size() && i < 200; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    return out + (s.size() > 200 ? "...\"" : "\"");
}

void require_absolute(const std::string& path, const std::string& key) {
    if (path.empty() || path[0] != '/')
        throw Error("overlay " + key + " " + quoted(path) +
                    " is relative to the mounter's working directory at mount time, which cannot be known now");
}

}  // namespace

void split_lowerdir(std::string_view s, std::vector<std::string>& lower, std::vector<std::string>& data) {
    // fs/overlayfs/params.c: ovl_parse_param_split_lowerdirs + ovl_unescape.
    std::string cur;
    bool in_data = false, prev_empty = false;
    auto flush = [&](bool last) {
        if (cur.empty()) {
            // An empty element is a "::": the layers after the first one are
            // data-only ("l1:l2::d1::d2", overlayfs.rst "Data-only lower
            // layers"). At either end, or ":::", it is malformed.
            if (last || lower.empty() || prev_empty) throw Error("malformed overlay lowerdir " + quoted(s));
            in_data = prev_empty = true;
            return;
        }
        prev_empty = false;
        (in_data ? data : lower).push_back(std::move(cur));
        cur.clear();
    };
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            cur += s[++i];
        } else if (s[i] == ':') {
            flush(false);
        } else {
            cur += s[i];
        }
    }
    flush(true);
}

OverlayConfig parse_overlay_options(std::string_view text) {
    OverlayConfig c;
    bool legacy = false, plus = false;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view opt = text.substr(pos, comma - pos);
        pos = comma + 1;
        if (opt.empty()) continue;
        size_t eq = opt.find('=');
        std::string key(opt.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : sys::unescape_mountinfo(opt.substr(eq + 1));
        bool has_value = eq != std::string_view::npos;
        if (key == "lowerdir" && has_value) {
            legacy = true;
            split_lowerdir(value, c.lower, c.data);
        } else if ((key == "lowerdir+" || key == "datadir+") && has_value) {
            plus = true;
            if (key == "lowerdir+" && !c.data.empty()) throw Error("overlay lowerdir+ after datadir+");
            (key == "lowerdir+" ? c.lower : c.data).push_back(value);
        } else if (key == "upperdir" && has_value) {
            c.upper = value;
        } else if (key == "workdir" && has_value) {
            c.work = value;
        } else if ((key == "rw" || key == "ro") && !has_value) {
            c.read_only = key == "ro";
        } else if (key == "index" && (value == "on" || value == "off")) {
            c.index = value == "on";
        } else if (key == "nfs_export" && value == "off") {
            c.carry.emplace_back(key, value);
        } else if ((key == "redirect_dir" || key == "metacopy" || key == "xino" || key == "uuid" ||
                    key == "verity") && has_value && !value.empty()) {
            c.carry.emplace_back(key, value);
        } else if ((key == "userxattr" || key == "volatile" || key == "default_permissions") && !has_value) {
            c.carry.emplace_back(key, "");
        } else {
            throw Error("overlay option " + quoted(opt) + " is not supported for an idmapped rootfs");
        }
    }
    if (legacy && plus) throw Error("overlay options mix lowerdir with lowerdir+");
    if (c.lower.empty()) throw Error("overlay without lowerdir");
    if (c.upper.empty() != c.work.empty()) throw Error("overlay upperdir without workdir (or the reverse)");
    for (const auto& l : c.lower) require_absolute(l, "lowerdir");
    for (const auto& l : c.data) require_absolute(l, "lowerdir (data-only)");
    if (!c.upper.empty()) {
        require_absolute(c.upper, "upperdir");
        require_absolute(c.work, "workdir");
    }
    return c;
}

}  // namespace ucrun::mount
