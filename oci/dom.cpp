#include "oci/dom.hpp"

#include <cerrno>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace oci::dom {

// The values live in blocks that never move once made (a Value's children
// and the views into its strings stay valid); unescaped strings in one
// buffer as long as the text, made at the first escape (a string's decoded
// form is never longer than its source).
struct Document::Storage {
    std::string text;
    Value root;
    std::vector<std::unique_ptr<Value[]>> blocks;
    Value* free = nullptr;
    size_t left = 0;
    std::unique_ptr<char[]> strings;
    size_t strings_used = 0;

    Value* allocate(size_t n) {
        constexpr size_t kBlock = 256;
        if (n > kBlock / 4) return blocks.emplace_back(std::make_unique<Value[]>(n)).get();
        if (left < n) {
            free = blocks.emplace_back(std::make_unique<Value[]>(kBlock)).get();
            left = kBlock;
        }
        Value* v = free;
        free += n;
        left -= n;
        return v;
    }
};

const Value* Value::find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (size_t i = n_; i-- > 0;)
        if (v_.kids[2 * i].string() == key) return &v_.kids[2 * i + 1];
    return nullptr;
}

class Parser {
public:
    Parser(Document::Storage& s, size_t max_depth) : s_(s), p_(s.text.data()), n_(s.text.size()), max_depth_(max_depth) {}

    void run() {
        if (n_ >= std::numeric_limits<uint32_t>::max()) fail("the document is 4 GiB or more");
        // A UTF-8 byte order mark, as nlohmann skips it; a partial one is an error.
        if (n_ > 0 && static_cast<unsigned char>(p_[0]) == 0xEF) {
            if (n_ < 3 || static_cast<unsigned char>(p_[1]) != 0xBB || static_cast<unsigned char>(p_[2]) != 0xBF)
                fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
            pos_ = 3;
        }
        for (;;) {
            // A value starts here.
            ws();
            if (pos_ == n_) fail("unexpected end of input; expected a value");
            char c = p_[pos_];
            if (c == '{' || c == '[') {
                if (frames_.size() >= max_depth_) fail("nested deeper than the limit", true);
                frames_.push_back({c == '{', stack_.size(), static_cast<uint32_t>(pos_)});
                ++pos_;
                ws();
                if (pos_ < n_ && p_[pos_] == (c == '{' ? '}' : ']')) {
                    ++pos_;
                    close();
                } else {
                    if (c == '{') key();
                    continue;
                }
            } else {
                scalar(c);
            }
            // A value ended: what follows it.
            for (;;) {
                ws();
                if (frames_.empty()) {
                    if (pos_ != n_) fail("unexpected content after the value");
                    s_.root = stack_.back();
                    return;
                }
                const bool object = frames_.back().object;
                if (pos_ == n_) fail(object ? "unexpected end of input; expected ',' or '}'"
                                            : "unexpected end of input; expected ',' or ']'");
                c = p_[pos_];
                if (c == ',') {
                    ++pos_;
                    if (object) key();
                    break;
                }
                if (c != (object ? '}' : ']')) fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
                ++pos_;
                close();
            }
        }
    }

private:
    struct Frame {
        bool object;
        size_t first;  // its children's first index in stack_
        uint32_t start;
    };

    [[noreturn]] void fail(const std::string& what, bool too_deep = false) const {
        size_t line = 1, column = 1;
        for (size_t i = 0; i < pos_ && i < n_; ++i) {
            if (p_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw ParseError("parse error at line " + std::to_string(line) + ", column " + std::to_string(column) +
                             ": " + what,
                         std::min(pos_, n_), too_deep);
    }

    void ws() {
        while (pos_ < n_ && (p_[pos_] == ' ' || p_[pos_] == '\n' || p_[pos_] == '\r' || p_[pos_] == '\t')) ++pos_;
    }

    Value& push(Value::Type t, size_t start) {
        Value& v = stack_.emplace_back();
        v.type_ = t;
        v.src_ = static_cast<uint32_t>(start);
        v.src_len_ = static_cast<uint32_t>(pos_ - start);
        return v;
    }

    // An object's member: its key and the ':'; the value is the loop's.
    void key() {
        ws();
        if (pos_ == n_ || p_[pos_] != '"') fail("expected a string as an object key");
        string();
        ws();
        if (pos_ == n_ || p_[pos_] != ':') fail("expected ':' after an object key");
        ++pos_;
    }

    void close() {
        const Frame f = frames_.back();
        frames_.pop_back();
        const size_t count = stack_.size() - f.first;
        Value* kids = count ? s_.allocate(count) : nullptr;
        for (size_t i = 0; i < count; ++i) kids[i] = stack_[f.first + i];
        stack_.resize(f.first);
        Value& v = push(f.object ? Value::Type::Object : Value::Type::Array, f.start);
        v.n_ = static_cast<uint32_t>(f.object ? count / 2 : count);
        v.v_.kids = kids;
    }

    bool literal(const char* word) {
        const size_t len = std::strlen(word);
        if (n_ - pos_ < len || std::memcmp(p_ + pos_, word, len) != 0) return false;
        pos_ += len;
        return true;
    }

    void scalar(char c) {
        const size_t start = pos_;
        if (c == '"') return string();
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (literal("true")) push(Value::Type::Boolean, start).v_.b = true;
        else if (literal("false")) push(Value::Type::Boolean, start).v_.b = false;
        else if (literal("null")) push(Value::Type::Null, start);
        else fail((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? "invalid literal" : "expected a value");
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }

    void number() {
        const size_t start = pos_;
        const bool negative = p_[pos_] == '-';
        if (negative) ++pos_;
        if (pos_ == n_ || !digit(p_[pos_])) fail("invalid number; expected a digit after '-'");
        if (p_[pos_] == '0') ++pos_;
        else
            while (pos_ < n_ && digit(p_[pos_])) ++pos_;
        bool integral = true;
        if (pos_ < n_ && p_[pos_] == '.') {
            integral = false;
            ++pos_;
            if (pos_ == n_ || !digit(p_[pos_])) fail("invalid number; expected a digit after '.'");
            while (pos_ < n_ && digit(p_[pos_])) ++pos_;
        }
        if (pos_ < n_ && (p_[pos_] == 'e' || p_[pos_] == 'E')) {
            integral = false;
            ++pos_;
            if (pos_ < n_ && (p_[pos_] == '+' || p_[pos_] == '-')) ++pos_;
            if (pos_ == n_ || !digit(p_[pos_])) fail("invalid number; expected a digit in the exponent");
            while (pos_ < n_ && digit(p_[pos_])) ++pos_;
        }
        const char* first = p_ + start;
        const char* last = p_ + pos_;
        if (integral) {
            // As nlohmann: an integer that does not fit 64 bits is a double.
            if (negative) {
                int64_t i = 0;
                auto r = std::from_chars(first, last, i);
                if (r.ec == std::errc() && r.ptr == last) {
                    push(Value::Type::Integer, start).v_.i = i;
                    return;
                }
            } else {
                uint64_t u = 0;
                auto r = std::from_chars(first, last, u);
                if (r.ec == std::errc() && r.ptr == last) {
                    push(Value::Type::Unsigned, start).v_.u = u;
                    return;
                }
            }
        }
        // strtod, as nlohmann; the C locale's decimal point (ucrun never
        // calls setlocale).
        const std::string token(first, last);
        errno = 0;
        const double d = std::strtod(token.c_str(), nullptr);
        if (!std::isfinite(d)) fail("number overflow parsing '" + token.substr(0, 64) + "'");
        push(Value::Type::Float, start).v_.d = d;
    }

    // A text that ends where more of a \u escape or of a UTF-8 sequence
    // could follow is cut short, not malformed: the error is at its end
    // (record_from_text tells a truncated record by that).
    [[noreturn]] void fail_cut(const char* what) {
        pos_ = n_;
        fail(what);
    }

    static bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

    unsigned hex4() {
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i) {
            if (pos_ == n_) fail_cut("invalid string: '\\u' must be followed by 4 hex digits");
            const char c = p_[pos_];
            if (!hex(c)) fail("invalid string: '\\u' must be followed by 4 hex digits");
            ++pos_;
            cp = cp << 4 | static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return cp;
    }

    // The length of the well-formed UTF-8 sequence at pos_ (a lead byte
    // >= 0x80), RFC 3629's table; fails otherwise.
    size_t utf8_sequence() {
        const unsigned b0 = static_cast<unsigned char>(p_[pos_]);
        size_t len = 0;
        unsigned lo = 0x80, hi = 0xBF;  // the second byte's range; the others' is 80..BF
        if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
        else if (b0 == 0xE0) len = 3, lo = 0xA0;
        else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) len = 3;
        else if (b0 == 0xED) len = 3, hi = 0x9F;
        else if (b0 == 0xF0) len = 4, lo = 0x90;
        else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
        else if (b0 == 0xF4) len = 4, hi = 0x8F;
        else fail("invalid string: ill-formed UTF-8 byte");
        for (size_t k = 1; k < len; ++k) {
            if (pos_ + k >= n_) fail_cut("invalid string: ill-formed UTF-8 byte");
            const unsigned b = static_cast<unsigned char>(p_[pos_ + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) fail("invalid string: ill-formed UTF-8 byte");
        }
        return len;
    }

    static size_t encode(unsigned cp, char* out) {
        if (cp < 0x80) {
            out[0] = static_cast<char>(cp);
            return 1;
        }
        if (cp < 0x800) {
            out[0] = static_cast<char>(0xC0 | (cp >> 6));
            out[1] = static_cast<char>(0x80 | (cp & 0x3F));
            return 2;
        }
        if (cp < 0x10000) {
            out[0] = static_cast<char>(0xE0 | (cp >> 12));
            out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out[2] = static_cast<char>(0x80 | (cp & 0x3F));
            return 3;
        }
        out[0] = static_cast<char>(0xF0 | (cp >> 18));
        out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[3] = static_cast<char>(0x80 | (cp & 0x3F));
        return 4;
    }

    // A string at pos_ ('"'), pushed as a value (a key is one too).
    void string() {
        const size_t start = pos_++;
        const size_t body = pos_;
        char* out = nullptr;  // the decoded copy, from the first escape on
        size_t out_len = 0;
        for (;;) {
            if (pos_ == n_) fail("invalid string: missing closing quote");
            const unsigned char c = static_cast<unsigned char>(p_[pos_]);
            if (c == '"') break;
            if (c < 0x20) fail("invalid string: control character must be escaped");
            if (c == '\\') {
                if (!out) {
                    if (!s_.strings) s_.strings = std::make_unique<char[]>(n_);
                    out = s_.strings.get() + s_.strings_used;
                    out_len = pos_ - body;
                    std::memcpy(out, p_ + body, out_len);
                }
                ++pos_;
                if (pos_ == n_) fail("invalid string: missing closing quote");
                const char e = p_[pos_++];
                switch (e) {
                    case '"': out[out_len++] = '"'; break;
                    case '\\': out[out_len++] = '\\'; break;
                    case '/': out[out_len++] = '/'; break;
                    case 'b': out[out_len++] = '\b'; break;
                    case 'f': out[out_len++] = '\f'; break;
                    case 'n': out[out_len++] = '\n'; break;
                    case 'r': out[out_len++] = '\r'; break;
                    case 't': out[out_len++] = '\t'; break;
                    case 'u': {
                        unsigned cp = hex4();
                        if (cp >= 0xDC00 && cp <= 0xDFFF)
                            fail("invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                            if (pos_ == n_ || (pos_ + 1 == n_ && p_[pos_] == '\\'))
                                fail_cut("invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
                            if (n_ - pos_ < 2 || p_[pos_] != '\\' || p_[pos_ + 1] != 'u')
                                fail("invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
                            pos_ += 2;
                            const unsigned low = hex4();
                            if (low < 0xDC00 || low > 0xDFFF)
                                fail("invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        }
                        out_len += encode(cp, out + out_len);
                        break;
                    }
                    default: fail("invalid string: forbidden character after backslash");
                }
                continue;
            }
            const size_t len = c < 0x80 ? 1 : utf8_sequence();
            if (out) std::memcpy(out + out_len, p_ + pos_, len);
            out_len += len;
            pos_ += len;
        }
        ++pos_;  // the closing quote
        if (out) s_.strings_used += out_len;
        Value& v = push(Value::Type::String, start);
        v.v_.s = out ? out : p_ + body;
        v.n_ = static_cast<uint32_t>(out ? out_len : pos_ - 1 - body);
    }

    Document::Storage& s_;
    const char* p_;
    size_t n_;
    size_t pos_ = 0;
    size_t max_depth_;
    std::vector<Value> stack_;
    std::vector<Frame> frames_;
};

Document::Document(std::string text, size_t max_depth) : s_(std::make_unique<Storage>()) {
    s_->text = std::move(text);
    Parser(*s_, max_depth).run();
}

Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

const Value& Document::root() const { return s_->root; }
const std::string& Document::text() const { return s_->text; }

}  // namespace oci::dom
