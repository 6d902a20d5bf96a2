#include "state/record_json.hpp"

#include <climits>

#include "oci/error.hpp"
#include "oci/parse.hpp"

namespace ucrun::state {

namespace {

using json = nlohmann::json;

// An optional unsigned integer member no larger than `max`; 0 when absent.
// `file` empty: salvaging, 0 instead of an error.
uint64_t number(const json& j, const char* key, uint64_t max, const std::string& file) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return 0;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > max) {
        if (file.empty()) return 0;
        throw Corrupt(file, std::string(key) + ": must be an integer from 0 to " + std::to_string(max));
    }
    return it->get<uint64_t>();
}

// cgroup and hooks: kept as JSON for their owners, but never of a type
// those would trip over.
json object_or_null(const json& j, const char* key, const std::string& file) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return nullptr;
    if (!it->is_object()) {
        if (file.empty()) return nullptr;
        throw Corrupt(file, std::string(key) + ": must be an object");
    }
    return *it;
}

// What `delete --force` can still use in a damaged record: the init (a
// pid is only ever signalled when its start time matches, so a wrong one
// is harmless) and the cgroup. Hooks are left out: nothing says they are
// the container's.
Record salvage(const json& j) {
    Record r;
    if (!j.is_object()) return r;
    r.pid = static_cast<pid_t>(number(j, "init_pid", INT_MAX, {}));
    r.pid_start_time = number(j, "init_start_time", UINT64_MAX, {});
    r.cgroup = object_or_null(j, "cgroup", {});
    return r;
}

Record checked_record(const json& j, const std::string& file);

}  // namespace

Record record_from_text(std::string_view text, const std::string& file) {
    if (text.empty()) throw Corrupt(file, "empty file");
    json j;
    try {
        // The guarded parse: a record nested deeper than the limit is
        // refused before a DOM is built (oci/parse.hpp); other errors are
        // located by the library's own parse below.
        j = oci::parse_document(text, file);
    } catch (const oci::SpecError& e) {
        if (e.reason().find("nested deeper") != std::string::npos) throw Corrupt(file, e.reason());
    }
    try {
        if (j.is_null()) j = json::parse(text);
    } catch (const json::parse_error& e) {
        // e.byte is 1-based, one past the end when the text stops short.
        if (e.byte > text.size())
            throw Corrupt(file, "truncated: the JSON text ends at byte " + std::to_string(text.size()));
        throw Corrupt(file, "not valid JSON at byte " + std::to_string(e.byte));
    } catch (const json::out_of_range&) {
        // A number beyond a double ("1E400"): the parser's only other
        // exception, which escaped uncaught (found by tests/fuzz).
        throw Corrupt(file, "not valid JSON: a number out of range");
    }
    try {
        return checked_record(j, file);
    } catch (const Corrupt& e) {
        throw Corrupt(file, e.reason(), salvage(j));
    }
}

namespace {

Record checked_record(const json& j, const std::string& file) {
    if (!j.is_object()) throw Corrupt(file, "not a JSON object");
    auto st = j.find("state");
    if (st == j.end() || st->is_null()) throw Corrupt(file, "missing \"state\"");
    Record r;
    try {
        r.state = oci::state_from_json(*st, file, "state");
    } catch (const oci::SpecError& e) {
        throw Corrupt(file, e.path() + ": " + e.reason());
    }
    r.pid = static_cast<pid_t>(number(j, "init_pid", INT_MAX, file));
    r.pid_start_time = number(j, "init_start_time", UINT64_MAX, file);
    r.cgroup = object_or_null(j, "cgroup", file);
    r.hooks = object_or_null(j, "hooks", file);
    if (auto e = j.find("init_exe"); e != j.end() && e->is_string()) r.init_exe = e->get<std::string>();
    return r;
}

}  // namespace

}  // namespace ucrun::state
