#include "state/record_json.hpp"

#include <algorithm>
#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "oci/dom.hpp"
#include "oci/error.hpp"
#include "oci/limits.hpp"
#include "oci/parse.hpp"
#include "oci/path.hpp"
#include "sys/mountinfo.hpp"

namespace ucrun::state {

namespace {

using oci::dom::Value;

// An optional unsigned integer member no larger than `max`; 0 when absent.
// `file` empty: salvaging, 0 instead of an error.
uint64_t number(const Value& j, const char* key, uint64_t max, const std::string& file) {
    const Value* v = j.find(key);
    if (!v || v->is_null()) return 0;
    if (!v->is_number_unsigned() || v->unsigned_integer() > max) {
        if (file.empty()) return 0;
        throw Corrupt(file, std::string(key) + ": must be an integer from 0 to " + std::to_string(max));
    }
    return v->unsigned_integer();
}

// A string member of the cgroup object `o` at `where`: "" when absent,
// unless `required`.
std::string text(const Value& o, const char* key, const std::string& where, bool required, const std::string& file) {
    const Value* v = o.find(key);
    if (!v && !required) return {};
    if (!v) throw Corrupt(file, where + "." + key + ": is required");
    if (!v->is_string()) throw Corrupt(file, where + "." + key + ": must be a string");
    return std::string(v->string());
}

std::vector<std::string> texts(const Value& o, const char* key, const std::string& where, bool required,
                               const std::string& file) {
    std::vector<std::string> out;
    const Value* v = o.find(key);
    if (!v && !required) return out;
    if (!v) throw Corrupt(file, where + "." + key + ": is required");
    if (!v->is_array()) throw Corrupt(file, where + "." + key + ": must be an array");
    for (size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_string())
            throw Corrupt(file, where + "." + key + "[" + std::to_string(i) + "]: must be a string");
        out.emplace_back((*v)[i].string());
    }
    return out;
}

// An absolute path without "." or ".." components, empty ones ("//") or a
// trailing "/": the form every path of the manager's has (mountinfo's,
// joined with a cleaned cgroup path), and the only one whose place
// is_under can tell from its text.
bool clean_absolute(const std::string& p) { return !p.empty() && p[0] == '/' && oci::lexical_clean(p) == p; }

// The cgroup's paths are where kill_all signals, rmdir removes and
// cgroup.kill writes: each must lie where the manager could have put it,
// its directory in (or at) its hierarchy's mount, what create made strictly
// below one of them. A record cannot name /etc (or a place of another
// hierarchy's) for delete to remove.
void check_cgroup_paths(const cgroup::Saved& s, const std::string& file) {
    auto clean = [&](const std::string& p, const std::string& where) {
        if (!clean_absolute(p))
            throw Corrupt(file, where + ": must be a clean absolute path (not " + oci::excerpt(p) + ")");
    };
    auto at_or_under = [&](const std::string& dir, const std::string& mount, const std::string& where) {
        clean(dir, where);
        if (dir != mount && !sys::is_under(dir, mount))
            throw Corrupt(file, where + ": " + oci::excerpt(dir) + " is not in the hierarchy mounted at " +
                                    oci::excerpt(mount));
    };
    clean(s.path, "cgroup.path");
    std::vector<std::string> mounts;
    if (s.layout == "v2") {
        clean(s.mount, "cgroup.mount");
        at_or_under(s.dir, s.mount, "cgroup.dir");
        mounts.push_back(s.mount);
    }
    for (size_t i = 0; i < s.hierarchies.size(); ++i) {
        const std::string hw = "cgroup.hierarchies[" + std::to_string(i) + "]";
        clean(s.hierarchies[i].mount, hw + ".mount");
        at_or_under(s.hierarchies[i].dir, s.hierarchies[i].mount, hw + ".dir");
        mounts.push_back(s.hierarchies[i].mount);
    }
    if (!s.unified_mount.empty() || !s.unified.empty()) {
        clean(s.unified_mount, "cgroup.unified_mount");
        at_or_under(s.unified, s.unified_mount, "cgroup.unified");
        mounts.push_back(s.unified_mount);
    }
    for (size_t i = 0; i < s.created.size(); ++i) {
        const std::string w = "cgroup.created[" + std::to_string(i) + "]";
        clean(s.created[i], w);
        if (std::none_of(mounts.begin(), mounts.end(), [&](const std::string& m) { return sys::is_under(s.created[i], m); }))
            throw Corrupt(file, w + ": " + oci::excerpt(s.created[i]) + " is below none of the cgroup's hierarchies");
    }
}

// "cgroup": what the cgroup manager of create kept (cgroup/saved.hpp,
// written by Store::encode), every member checked, so that a damaged one
// is reported here and never reaches the manager restored from it.
std::optional<cgroup::Saved> saved_cgroup(const Value& j, const std::string& file) {
    const Value* v = j.find("cgroup");
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_object()) throw Corrupt(file, "cgroup: must be an object");
    const std::string w = "cgroup";
    cgroup::Saved s;
    s.layout = text(*v, "layout", w, true, file);
    s.path = text(*v, "path", w, true, file);
    s.created = texts(*v, "created", w, false, file);
    if (s.layout == "v2") {
        s.mount = text(*v, "mount", w, true, file);
        s.dir = text(*v, "dir", w, true, file);
    } else if (s.layout == "v1" || s.layout == "hybrid") {
        const Value* hs = v->find("hierarchies");
        if (!hs) throw Corrupt(file, "cgroup.hierarchies: is required");
        if (!hs->is_array()) throw Corrupt(file, "cgroup.hierarchies: must be an array");
        for (size_t i = 0; i < hs->size(); ++i) {
            const Value& h = (*hs)[i];
            const std::string hw = w + ".hierarchies[" + std::to_string(i) + "]";
            if (!h.is_object()) throw Corrupt(file, hw + ": must be an object");
            s.hierarchies.push_back(cgroup::SavedHierarchy{texts(h, "controllers", hw, true, file),
                                                           text(h, "mount", hw, true, file),
                                                           text(h, "dir", hw, true, file)});
        }
        s.unified_mount = text(*v, "unified_mount", w, false, file);
        s.unified = text(*v, "unified", w, false, file);
    } else {
        throw Corrupt(file, "cgroup.layout: must be one of v1, hybrid, v2 (not " + oci::excerpt(s.layout) + ")");
    }
    check_cgroup_paths(s, file);
    return s;
}

// What `delete --force` can still use in a damaged record: the init (a
// pid is only ever signalled when its start time matches, so a wrong one
// is harmless) and the cgroup. Hooks are left out: nothing says they are
// the container's. `lost` says why a cgroup the record names is not kept.
Record salvage(const Value& j, std::string& lost) {
    Record r;
    if (!j.is_object()) return r;
    r.pid = static_cast<pid_t>(number(j, "init_pid", INT_MAX, {}));
    r.pid_start_time = number(j, "init_start_time", UINT64_MAX, {});
    try {
        r.cgroup = saved_cgroup(j, "salvage");
    } catch (const Corrupt& e) {
        // A damaged cgroup salvages nothing: there is nothing safe to remove.
        lost = "its cgroup is left as it is (" + e.reason() + ")";
    }
    return r;
}

Record checked_record(const Value& j, const std::string& file) {
    if (!j.is_object()) throw Corrupt(file, "not a JSON object");
    const Value* st = j.find("state");
    if (!st || st->is_null()) throw Corrupt(file, "missing \"state\"");
    Record r;
    try {
        r.state = oci::state_from_json(*st, file, "state");
    } catch (const oci::SpecError& e) {
        throw Corrupt(file, e.path() + ": " + e.reason());
    }
    r.pid = static_cast<pid_t>(number(j, "init_pid", INT_MAX, file));
    r.pid_start_time = number(j, "init_start_time", UINT64_MAX, file);
    r.cgroup = saved_cgroup(j, file);
    if (const Value* h = j.find("hooks"); h && !h->is_null()) {
        if (!h->is_object()) throw Corrupt(file, "hooks: must be an object");
        // config.json's form (oci::hooks_to_json), read by its own reader.
        try {
            r.hooks = oci::parse_hooks(*h, file);
        } catch (const oci::SpecError& e) {
            throw Corrupt(file, e.path() + ": " + e.reason());
        }
    }
    if (const Value* e = j.find("init_exe"); e && e->is_string()) r.init_exe = e->string();
    return r;
}

}  // namespace

Record record_from_text(std::string_view text, const std::string& file) {
    if (text.empty()) throw Corrupt(file, "empty file");
    // The parser of every document a start reads (oci/dom.hpp), which
    // bounds nesting itself.
    std::optional<oci::dom::Document> doc;
    try {
        doc.emplace(std::string(text), oci::limits::json_depth);
    } catch (const oci::dom::ParseError& e) {
        if (e.offset() >= text.size())
            throw Corrupt(file, "truncated: the JSON text ends at byte " + std::to_string(text.size()));
        throw Corrupt(file, "not valid JSON at byte " + std::to_string(e.offset() + 1));
    }
    try {
        return checked_record(doc->root(), file);
    } catch (const Corrupt& e) {
        std::string lost;
        Record kept = salvage(doc->root(), lost);
        throw Corrupt(file, e.reason(), std::move(kept), std::move(lost));
    }
}

}  // namespace ucrun::state
