// Whether oci/dom.hpp's DOM and nlohmann's hold the same value: the
// differential check of tests/fuzz/fuzz_json.cpp and tests/unit/oci/
// test_dom.cpp. nlohmann keeps an object's last value of a repeated key
// (std::map, sorted); the dom keeps every member in order and find()
// answers the last: the same value for every key, and as many keys.
#pragma once

#include <cstring>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oci/dom.hpp"

namespace ucrun::fuzz {

inline bool same(const oci::dom::Value& d, const nlohmann::json& j) {
    using T = oci::dom::Value::Type;
    switch (d.type()) {
        case T::Null: return j.is_null();
        case T::Boolean: return j.is_boolean() && j.get<bool>() == d.boolean();
        case T::Unsigned: return j.is_number_unsigned() && j.get<uint64_t>() == d.unsigned_integer();
        case T::Integer:
            return j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() == d.integer();
        case T::Float: {
            if (!j.is_number_float()) return false;
            const double a = j.get<double>(), b = d.number();
            return std::memcmp(&a, &b, sizeof a) == 0;
        }
        case T::String: return j.is_string() && j.get_ref<const std::string&>() == d.string();
        case T::Array:
            if (!j.is_array() || j.size() != d.size()) return false;
            for (size_t i = 0; i < d.size(); ++i)
                if (!same(d[i], j[i])) return false;
            return true;
        case T::Object: {
            if (!j.is_object()) return false;
            std::set<std::string_view> keys;
            for (size_t i = 0; i < d.size(); ++i) keys.insert(d.key(i));
            if (keys.size() != j.size()) return false;
            for (std::string_view k : keys) {
                auto it = j.find(std::string(k));
                if (it == j.end() || !same(*d.find(k), *it)) return false;
            }
            return true;
        }
    }
    return false;
}

// The verdicts on `text`: the dom's `d` (nullptr when it refused) and
// nlohmann's `j` (likewise). They must agree, but for one difference
// dom.hpp names: nlohmann's lexer reads a NUL byte as the end of input, so
// it accepts "{}\0anything"; the dom refuses it. Then the text before the
// first NUL must be what the dom accepts, with nlohmann's value.
inline bool agree(std::string_view text, const oci::dom::Value* d, const nlohmann::json* j) {
    if (d && j) return same(*d, *j);
    if (d || !j) return !d && !j;
    const size_t nul = text.find('\0');
    if (nul == std::string_view::npos) return false;
    try {
        return same(oci::dom::Document(std::string(text.substr(0, nul)), nul + 1).root(), *j);
    } catch (const oci::dom::ParseError&) {
        return false;
    }
}

}  // namespace ucrun::fuzz
