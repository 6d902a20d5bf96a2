// Internal to oci/: typed reading of JSON values with SpecError paths.
// Not part of the public API.
//
// Every value is read by an overload of `read(Reader&, const J&, path, T&)`
// in namespace oci::detail; the templates below (optional, vector, map) find
// the struct overloads of the parse_*.cpp files by argument-dependent lookup
// on Reader. J is the document's DOM: `json` (oci/dom.hpp, what a start
// reads: config.json, a process.json) or nlohmann::json (state.json, which
// the state store keeps as nlohmann's); the accessors below are the only
// places the two differ. Paths are dotted with [i] for array indices and ["key"] for map
// keys: `linux.uidMappings[1].size`, `linux.sysctl["net.ipv4.ip_forward"]`.
//
// JSON null is a wrong type like any other, refused naming the field ("must
// be a boolean, not null"), never read as absent: the OCI schema
// (schema/config-schema.json, defs*.json, state-schema.json) allows null for
// no field, and absent is not harmless ("maskedPaths": null would give a
// container with nothing masked). Go engines write null only for a nil slice,
// map or pointer in a field without `omitempty`; in specs-go (v1.0.0 to
// v1.3.0) those are LinuxSyscall.Names (REQUIRED, minItems 1), Process.Args
// before v1.0.2 (REQUIRED non-empty on POSIX) and Windows' layerFolders (not
// read): nowhere is absent valid, so no field is exempt.
//
// Every string and map key passes through here, so the rules every string of
// config.json obeys live here: no NUL byte (the kernel would see the value cut
// short: "visible\u0000hidden" would run "visible") and at most
// limits::string_bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/dom.hpp"
#include "oci/error.hpp"
#include "oci/limits.hpp"

namespace oci::detail {

using json = dom::Value;

// What the readers ask of a DOM value, for each of the two.
inline std::string_view string_of(const json& v) { return v.string(); }
inline std::string_view string_of(const nlohmann::json& v) { return v.get_ref<const std::string&>(); }
inline bool boolean_of(const json& v) { return v.boolean(); }
inline bool boolean_of(const nlohmann::json& v) { return v.get<bool>(); }
inline uint64_t unsigned_of(const json& v) { return v.unsigned_integer(); }
inline uint64_t unsigned_of(const nlohmann::json& v) { return v.get<uint64_t>(); }
inline int64_t integer_of(const json& v) { return v.integer(); }
inline int64_t integer_of(const nlohmann::json& v) { return v.get<int64_t>(); }
// The member `key` of object `o` (null included; the last of repeated
// keys in both), or nullptr when absent.
inline const json* member_of(const json& o, const char* key) { return o.find(key); }
inline const nlohmann::json* member_of(const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &*it;
}
// f(key, value) for each distinct key of object `o`, with its last value,
// in the keys' byte order: what nlohmann's DOM holds of it (a std::map, in
// which the last of a repeated key wins). An earlier value of a repeated key
// is never read, and the first bad entry of a map is the same one on either
// DOM, however the text orders its keys.
template <class F>
void for_each_member(const json& o, F&& f) {
    std::vector<size_t> order(o.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return o.key(a) < o.key(b); });
    for (size_t k = 0; k < order.size(); ++k)
        if (k + 1 == order.size() || o.key(order[k + 1]) != o.key(order[k])) f(o.key(order[k]), o.value(order[k]));
}
template <class F>
void for_each_member(const nlohmann::json& o, F&& f) {
    for (auto it = o.begin(); it != o.end(); ++it) f(std::string_view(it.key()), it.value());
}

// Where a value is in the document, kept as a chain of stack frames and
// spelled out (`str()`) only for an error: a config reads a few hundred
// values and fails on at most one, so building each path as a string was
// most of the parse's allocations (issue 17). A Path refers to its parent
// and to its key; both outlive it, as every Path is a parameter of the read
// of its value.
class Path {
public:
    Path(const std::string& root) : root_(&root) {}  // NOLINT: a document's top level, often ""
    Path(std::string&& root) = delete;               // would dangle: name a std::string
    Path(const char* root) = delete;                 // likewise
    Path(const Path& parent, const char* key) : parent_(&parent), key_(key) {}
    Path(const Path& parent, size_t index) : parent_(&parent), index_(index) {}
    Path(const Path& parent, std::string_view map_key) : parent_(&parent), map_key_(map_key), is_map_key_(true) {}
    Path(const Path& parent, std::string&& map_key) = delete;  // would dangle

    std::string str() const {
        if (root_) return *root_;
        std::string s = parent_->str();
        if (key_) return s.empty() ? std::string(key_) : s + "." + key_;
        if (is_map_key_) return s + "[" + excerpt(std::string(map_key_)) + "]";
        return s + "[" + std::to_string(index_) + "]";
    }

private:
    const std::string* root_ = nullptr;
    const Path* parent_ = nullptr;
    const char* key_ = nullptr;
    std::string_view map_key_;
    bool is_map_key_ = false;
    size_t index_ = 0;
};

template <class T>
const char* integer_kind() {
    if constexpr (std::is_same_v<T, uint16_t>) return "must be an unsigned 16-bit integer";
    else if constexpr (std::is_same_v<T, uint32_t>) return "must be an unsigned 32-bit integer";
    else if constexpr (std::is_same_v<T, uint64_t>) return "must be an unsigned 64-bit integer";
    else if constexpr (std::is_same_v<T, int32_t>) return "must be a 32-bit integer";
    else if constexpr (std::is_same_v<T, int64_t>) return "must be a 64-bit integer";
    else static_assert(sizeof(T) == 0, "unsupported integer type");
}

class Reader {
public:
    explicit Reader(std::string document) : document_(std::move(document)) {}

    [[noreturn]] void fail(const Path& path, const std::string& reason) const {
        throw SpecError(document_, path.str(), reason);
    }

    // `v` is not of the type `expected` describes ("must be a string"); a
    // null says so, since a null that is refused surprises its author.
    template <class J>
    [[noreturn]] void wrong_type(const Path& path, const J& v, const std::string& expected) const {
        fail(path, v.is_null() ? expected + ", not null" : expected);
    }

    template <class J>
    const J& object(const J& v, const Path& path, const char* expected = "must be an object") const {
        if (!v.is_object()) wrong_type(path, v, expected);
        return v;
    }

    // Optional member: left untouched when absent.
    template <class J, class T>
    void opt(const J& o, const Path& path, const char* key, T& out) {
        if (const J* v = member_of(o, key)) read(*this, *v, Path(path, key), out);
    }

    // REQUIRED member: "is required" when absent.
    template <class J, class T>
    void req(const J& o, const Path& path, const char* key, T& out) {
        const J* v = member_of(o, key);
        if (!v) fail(Path(path, key), "is required");
        read(*this, *v, Path(path, key), out);
    }

private:
    std::string document_;
};

// The rules of every string value and object key (see the top of the file).
inline void check_string(const Reader& r, std::string_view s, const Path& path, const char* what) {
    if (s.find('\0') != std::string::npos) r.fail(path, std::string(what) + "must not contain a NUL byte");
    if (s.size() > limits::string_bytes)
        r.fail(path, std::string(what) + "must be at most " + std::to_string(limits::string_bytes) + " bytes");
}

template <class J>
void read(Reader& r, const J& v, const Path& path, std::string& out) {
    if (!v.is_string()) r.wrong_type(path, v, "must be a string");
    check_string(r, string_of(v), path, "");
    out = string_of(v);
}

template <class J>
void read(Reader& r, const J& v, const Path& path, bool& out) {
    if (!v.is_boolean()) r.wrong_type(path, v, "must be a boolean");
    out = boolean_of(v);
}

// Integers: JSON floats (1.5, 1e3, values beyond uint64) are refused, as are
// values outside the width of the field.
template <class J, class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
void read(Reader& r, const J& v, const Path& path, T& out) {
    using L = std::numeric_limits<T>;
    if (v.is_number_unsigned()) {
        auto u = unsigned_of(v);
        if (u > static_cast<uint64_t>(L::max())) r.fail(path, integer_kind<T>());
        out = static_cast<T>(u);
    } else if (v.is_number_integer()) {
        auto i = integer_of(v);
        if (i < static_cast<int64_t>(L::min()) || (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(L::max())))
            r.fail(path, integer_kind<T>());
        out = static_cast<T>(i);
    } else {
        r.wrong_type(path, v, integer_kind<T>());
    }
}

template <class J, class T>
void read(Reader& r, const J& v, const Path& path, std::optional<T>& out) {
    T value{};
    read(r, v, path, value);
    out = std::move(value);
}

template <class J, class T>
void read(Reader& r, const J& v, const Path& path, std::vector<T>& out) {
    if (!v.is_array()) r.wrong_type(path, v, "must be an array");
    out.clear();
    out.reserve(std::min<size_t>(v.size(), 1024));  // not 2 M elements for a hostile array of zeros
    for (size_t i = 0; i < v.size(); ++i) {
        T item{};
        read(r, v[i], Path(path, i), item);
        out.push_back(std::move(item));
    }
}

// A repeated key is handed over once, with its last value (for_each_member).
template <class J, class T>
void read(Reader& r, const J& v, const Path& path, std::map<std::string, T>& out) {
    r.object(v, path);
    out.clear();
    for_each_member(v, [&](std::string_view key, const J& value) {
        const Path at(path, key);
        check_string(r, key, at, "key ");
        T item{};
        read(r, value, at, item);
        out.emplace(std::string(key), std::move(item));
    });
}

}  // namespace oci::detail
