// A read-only JSON document for the documents a start reads (config.json,
// a process.json, the state records), parsed in one pass into a few blocks
// of storage.
//
// Why not nlohmann's DOM, which the rest of ucrun keeps for the documents it
// writes and edits (state.json's writing, update's resources, the remapped
// config.json): building it was
// the largest single item of `create` before the clone (issue 17, thirteenth
// pass in tests/bench/PERFORMANCE.md): a std::map node and a std::string per
// member, and template code paged in at every start. Here a value is 24
// bytes, members and elements are contiguous, and a string without escapes
// is a view into the document's text.
//
// The language is nlohmann::json::parse's, exactly (RFC 8259, strict):
// a UTF-8 BOM may precede the value; whitespace is space, tab, LF, CR;
// strings are well-formed UTF-8 (RFC 3629) without unescaped control
// characters, and a \u escape of a surrogate is a pair; a non-negative
// integer is unsigned, a negative one signed, and one beyond 64 bits a
// double; a number beyond a double ("1E400") is refused; nothing but
// whitespace may follow the value. A duplicate key is kept, and find()
// answers the last one, as nlohmann's parse keeps the last. One difference,
// on the strict side: nlohmann's lexer reads a NUL byte as the end of input
// and so accepts "{}\0junk"; here it is content after the value. Every text
// this parser accepts, nlohmann accepts with the same value (a remapped
// config.json is edited in nlohmann's DOM; update reads the stored one).
// tests/fuzz/fuzz_json.cpp and tests/unit/oci/test_dom.cpp check the two
// parsers against each other, value by value.
//
// Nesting is bounded (`max_depth`): the parse keeps its own stack, never
// the C++ one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace oci::dom {

class Value {
public:
    enum class Type : uint8_t { Null, Boolean, Integer, Unsigned, Float, String, Array, Object };

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::Null; }
    bool is_boolean() const { return type_ == Type::Boolean; }
    // As nlohmann: "integer" is signed or unsigned; "unsigned" is >= 0.
    bool is_number_integer() const { return type_ == Type::Integer || type_ == Type::Unsigned; }
    bool is_number_unsigned() const { return type_ == Type::Unsigned; }
    bool is_number_float() const { return type_ == Type::Float; }
    bool is_string() const { return type_ == Type::String; }
    bool is_array() const { return type_ == Type::Array; }
    bool is_object() const { return type_ == Type::Object; }

    // Each is valid for its type only (checked by the caller).
    bool boolean() const { return v_.b; }
    int64_t integer() const { return v_.i; }
    uint64_t unsigned_integer() const { return v_.u; }
    double number() const { return v_.d; }
    std::string_view string() const { return {v_.s, n_}; }

    // Elements of an array, members of an object; 0 for the rest.
    size_t size() const { return is_array() || is_object() ? n_ : 0; }
    const Value& operator[](size_t i) const { return v_.kids[i]; }  // an array's element, i < size()
    std::string_view key(size_t i) const { return v_.kids[2 * i].string(); }  // an object's member, i < size()
    const Value& value(size_t i) const { return v_.kids[2 * i + 1]; }
    // An object's member `key` (the last, if repeated), or nullptr.
    const Value* find(std::string_view key) const;

    // Where the value is in the document's text (Document::source).
    uint32_t source_offset() const { return src_; }
    uint32_t source_size() const { return src_len_; }

private:
    friend class Parser;
    Type type_ = Type::Null;
    uint32_t n_ = 0;  // string length, array elements, object members
    uint32_t src_ = 0, src_len_ = 0;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        const char* s;
        const Value* kids;  // an object's: key, value, key, value...
    } v_{};
};

// Thrown for text that is not one JSON value: "parse error at line L,
// column C: what".
class ParseError : public std::runtime_error {
public:
    ParseError(const std::string& what, size_t offset, bool too_deep)
        : std::runtime_error(what), offset_(offset), too_deep_(too_deep) {}
    // The byte (from 0) at which the text stopped being JSON: the text's
    // size when it ended too soon.
    size_t offset() const { return offset_; }
    // Nested deeper than the document's max_depth.
    bool too_deep() const { return too_deep_; }

private:
    size_t offset_;
    bool too_deep_;
};

class Document {
public:
    // Parses `text` (kept, as given); throws ParseError. A document of 4 GiB
    // or more is refused (offsets are 32-bit). A Document moved from may
    // only be assigned to or destroyed.
    explicit Document(std::string text, size_t max_depth);
    Document(Document&&) noexcept;
    Document& operator=(Document&&) noexcept;
    ~Document();

    const Value& root() const;
    const std::string& text() const;
    // The exact text of `v`, a value of this document.
    std::string_view source(const Value& v) const { return std::string_view(text()).substr(v.source_offset(), v.source_size()); }

private:
    struct Storage;
    friend class Parser;
    std::unique_ptr<Storage> s_;  // on the heap: views into it survive a move of the Document
};

}  // namespace oci::dom
