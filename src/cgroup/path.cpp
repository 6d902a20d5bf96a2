#include "cgroup/path.hpp"

#include <vector>

#include "cgroup/fsio.hpp"
#include "oci/path.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

using oci::lexical_clean;

std::string join(const std::string& a, const std::string& b) { return lexical_clean(a + "/" + b); }

}  // namespace

std::string clean_path(const std::string& path) {
    if (path.empty()) return "";
    std::string p = lexical_clean(path);
    if (p[0] != '/') {
        p = lexical_clean("/" + p).substr(1);  // filepath.Rel("/", Clean("/"+p))
        if (p.empty()) p.push_back('.');
    }
    return p;
}

std::string expand_slice(const std::string& slice) {
    const std::string suffix = ".slice";
    auto bad = [&] { return Error("invalid slice name: " + slice); };
    if (slice.size() < suffix.size() || slice.compare(slice.size() - suffix.size(), suffix.size(), suffix) != 0)
        throw bad();
    if (slice.find('/') != std::string::npos) throw bad();
    std::string name = slice.substr(0, slice.size() - suffix.size());
    if (name == "-") return "/";
    std::string path, prefix;
    for (const auto& component : split(name, '-')) {
        if (component.empty()) throw bad();  // "test--a.slice", "-test.slice"
        path += "/" + prefix + component + suffix;
        prefix += component + "-";
    }
    return path;
}

std::string cgroup_path(bool systemd, bool rootless, const std::string& id,
                        const std::optional<std::string>& cgroupsPath) {
    if (!systemd) {
        // runc specconv: no cgroupsPath -> Name = id, which is relative.
        if (!cgroupsPath || cgroupsPath->empty()) return clean_path(id);
        return clean_path(*cgroupsPath);
    }
    std::string slice, prefix, name;
    if (!cgroupsPath || cgroupsPath->empty()) {
        prefix = "ucrun";
        name = id;
    } else {
        auto parts = split(*cgroupsPath, ':');
        if (parts.size() != 3)
            throw Error("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"" +
                        *cgroupsPath + "\" instead");
        slice = parts[0];
        prefix = parts[1];
        name = parts[2];
    }
    if (slice.empty()) slice = rootless ? "user.slice" : "system.slice";
    if (name.empty() || name.find('/') != std::string::npos)
        throw Error("invalid systemd unit name in cgroupsPath: \"" + name + "\"");
    // runc getUnitName: a scope unless a slice is asked for.
    std::string unit;
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0)
        unit = name;
    else
        unit = (prefix.empty() ? "" : prefix + "-") + name + ".scope";
    return join(expand_slice(slice), unit);
}

std::string resolve(const std::string& path, const std::string& own, bool v2) {
    if (!path.empty() && path[0] == '/') return lexical_clean(path);
    std::string base = own.empty() ? "/" : own;
    if (v2) base = dirname(lexical_clean(base));
    return join(base, path);
}

}  // namespace ucrun::cgroup
