#include "state/record_json.hpp"

#include <climits>
#include <optional>

#include "oci/dom.hpp"
#include "oci/error.hpp"
#include "oci/limits.hpp"
#include "oci/parse.hpp"

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

// nlohmann's DOM of a dom value: the record's cgroup and hooks stay in it
// for their owners (cgroup::Manager::from_json, oci::parse_hooks), which is
// cheaper than nlohmann's own parse on the path of every command (only the
// DOM's construction is paged in, not its lexer and parser).
nlohmann::json to_nlohmann(const Value& v) {
    using T = Value::Type;
    switch (v.type()) {
        case T::Null: return nullptr;
        case T::Boolean: return v.boolean();
        case T::Integer: return v.integer();
        case T::Unsigned: return v.unsigned_integer();
        case T::Float: return v.number();
        case T::String: return std::string(v.string());
        case T::Array: {
            nlohmann::json a = nlohmann::json::array();
            for (size_t i = 0; i < v.size(); ++i) a.push_back(to_nlohmann(v[i]));
            return a;
        }
        case T::Object: {
            nlohmann::json o = nlohmann::json::object();
            for (size_t i = 0; i < v.size(); ++i) o[std::string(v.key(i))] = to_nlohmann(v.value(i));  // last wins
            return o;
        }
    }
    return nullptr;
}

// cgroup and hooks: kept as JSON for their owners, but never of a type
// those would trip over.
nlohmann::json object_or_null(const Value& j, const char* key, const std::string& file) {
    const Value* v = j.find(key);
    if (!v || v->is_null()) return nullptr;
    if (!v->is_object()) {
        if (file.empty()) return nullptr;
        throw Corrupt(file, std::string(key) + ": must be an object");
    }
    return to_nlohmann(*v);
}

// What `delete --force` can still use in a damaged record: the init (a
// pid is only ever signalled when its start time matches, so a wrong one
// is harmless) and the cgroup. Hooks are left out: nothing says they are
// the container's.
Record salvage(const Value& j) {
    Record r;
    if (!j.is_object()) return r;
    r.pid = static_cast<pid_t>(number(j, "init_pid", INT_MAX, {}));
    r.pid_start_time = number(j, "init_start_time", UINT64_MAX, {});
    r.cgroup = object_or_null(j, "cgroup", {});
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
    r.cgroup = object_or_null(j, "cgroup", file);
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
        throw Corrupt(file, e.reason(), salvage(doc->root()));
    }
}

}  // namespace ucrun::state
