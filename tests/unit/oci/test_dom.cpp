// oci/dom.hpp: the start path's JSON parser. It must accept exactly what
// nlohmann's parse accepts and read the same values (json_same.hpp): the
// cases each rule of dom.hpp names, then the config fixtures mutated at
// random, byte by byte, against nlohmann's verdict.
#include <doctest/doctest.h>

#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "json_same.hpp"
#include "oci/dom.hpp"
#include "oci/parse.hpp"

namespace {

using oci::dom::Document;

// nlohmann's verdict and the dom's agree, and so do their values.
void agree(const std::string& text) {
    CAPTURE(text);
    std::optional<Document> d;
    std::string why;
    try {
        d.emplace(text, text.size() + 1);
    } catch (const oci::dom::ParseError& e) {
        why = e.what();
    }
    std::optional<nlohmann::json> j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
    }
    CAPTURE(why);
    CHECK(ucrun::fuzz::agree(text, d ? &d->root() : nullptr, j ? &*j : nullptr));
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("dom: the language is nlohmann's, case by case") {
    const char* cases[] = {
        // values and whitespace
        "{}", "[]", " \t\r\n[ 1 , 2 ]\n", "0", "-0", "\"s\"", "true", "false", "null", "{\"a\":{\"b\":[{}]}}",
        "[", "]", "{", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{1:2}", "[1 2]", "[] []", "[]x",
        "\f[]", "[]\v", "\xc2\xa0[]", "tru", "True", "nul", "nulls", "[true false]",
        // the BOM
        "\xef\xbb\xbf{}", "\xef\xbb{}", "\xef{}", "{}\xef\xbb\xbf", "\xef\xbb\xbf",
        // numbers
        "1.5", "-1.5e-3", "1E3", "1e+3", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x1", "1.5.5", "--1",
        "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
        "1E400", "-1E400", "1e-400", "123456789012345678901234567890", "[1E308, 2E308]", "NaN", "Infinity",
        // strings: escapes, surrogates, control characters
        "\"\\u0000\"", "\"\\u00E9\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"",
        "\"\\ud83dx\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\x41\"", "\"\\'\"", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"a\x01\"",
        "\"a\x1f\"", "\"a\x7f\"", "\"a\tb\"", "\"unterminated", "\"a\\", "\"a\\\"",
        // UTF-8, RFC 3629's table at each edge
        "\"\xc2\x80\"", "\"\xc1\xbf\"", "\"\xdf\xbf\"", "\"\xe0\xa0\x80\"", "\"\xe0\x9f\xbf\"", "\"\xed\x9f\xbf\"",
        "\"\xed\xa0\x80\"", "\"\xef\xbf\xbf\"", "\"\xf0\x90\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"", "\"\xf4\x8f\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\x80\"", "\"\xc3\"", "\"\xe1\x80\"", "\"\xff\"",
        // repeated keys
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":{},\"a\":[3]}", "{\"a\\u0062\":1,\"ab\":2}",
    };
    for (const char* c : cases) agree(c);
    agree(std::string("[\"a\0b\"]", 7));  // a raw NUL is a control character
    agree(std::string("[1]\0", 4));  // nlohmann stops at the NUL; the dom refuses it
    agree(std::string("{} \0{", 5));
    agree(std::string("[1,\0]", 5));
    CHECK_THROWS_AS(Document(std::string("[1]\0", 4), 4), oci::dom::ParseError);
    agree(std::string(5000, '[') + std::string(5000, ']'));
}

TEST_CASE("dom: a repeated key reads as its last value, as in nlohmann") {
    Document d("{\"a\": 1, \"b\": true, \"a\": \"x\"}", 10);
    REQUIRE(d.root().size() == 3);  // every member, in order
    CHECK(d.root().key(0) == "a");
    CHECK(d.root().find("a")->string() == "x");
    CHECK(d.root().find("c") == nullptr);
    // Through the typed reader too: annotations' last value.
    oci::Config cfg = oci::parse_config(std::string_view(
        R"({"ociVersion":"1.3.0","root":{"path":"r"},"annotations":{"k":"first","k":"last"},"hostname":"a","hostname":"b"})"));
    CHECK(cfg.annotations.at("k") == "last");
    CHECK(cfg.hostname == "b");
    // An earlier value of a repeated map key is never read, not even to be
    // refused, as nlohmann's DOM never holds it: a small map and a large one.
    const std::string small = R"({"ociVersion":"1.3.0","root":{"path":"r"},"annotations":{"a":1,"a":"x"}})";
    CHECK(oci::parse_config(std::string_view(small)).annotations.at("a") == "x");
    CHECK(oci::parse_config(nlohmann::json::parse(small)).annotations.at("a") == "x");
    std::string large = R"({"ociVersion":"1.3.0","root":{"path":"r"},"annotations":{"a":[])";
    for (int i = 0; i < 40; ++i) large += ",\"k" + std::to_string(i) + "\":\"v\"";
    large += R"(,"a":"y"}})";
    const oci::Config big = oci::parse_config(std::string_view(large));
    CHECK(big.annotations.size() == 41);
    CHECK(big.annotations.at("a") == "y");
}

TEST_CASE("dom: values, and each one's exact text") {
    const std::string text = " {\"s\": \"a\\nb\", \"n\": [-3, 7, 2.5, 1e400e], \"o\": {\"k\" : [ ]}} ";
    CHECK_THROWS_AS(Document(text, 10), oci::dom::ParseError);
    Document d(" {\"s\": \"a\\nb\", \"n\": [-3, 7, 2.5], \"o\": {\"k\" : [ ]}} ", 10);
    const auto& r = d.root();
    CHECK(d.source(r) == "{\"s\": \"a\\nb\", \"n\": [-3, 7, 2.5], \"o\": {\"k\" : [ ]}}");
    CHECK(r.find("s")->string() == "a\nb");
    CHECK(d.source(*r.find("s")) == "\"a\\nb\"");
    const auto& n = *r.find("n");
    CHECK(n[0].is_number_integer());
    CHECK_FALSE(n[0].is_number_unsigned());
    CHECK(n[0].integer() == -3);
    CHECK(n[1].is_number_unsigned());
    CHECK(n[1].unsigned_integer() == 7);
    CHECK(n[2].is_number_float());
    CHECK(n[2].number() == 2.5);
    CHECK(d.source(*r.find("o")) == "{\"k\" : [ ]}");
    CHECK(r.find("o")->find("k")->size() == 0);
}

TEST_CASE("dom: a moved document keeps its views (a short text is in the string itself)") {
    Document a("\"ab\"", 4);
    Document b = std::move(a);
    std::vector<Document> v;
    v.push_back(std::move(b));
    for (int i = 0; i < 40; ++i) v.push_back(Document("[\"x\\ty\"]", 4));  // the vector moves them
    CHECK(v[0].root().string() == "ab");
    CHECK(v[39].root()[0].string() == "x\ty");
}

TEST_CASE("dom: nesting is bounded by the parser itself") {
    CHECK_NOTHROW(Document(std::string(100, '[') + std::string(100, ']'), 100));
    CHECK_THROWS_WITH_AS(Document(std::string(101, '[') + std::string(101, ']'), 100),
                         "parse error at line 1, column 101: nested deeper than the limit", oci::dom::ParseError);
}

TEST_CASE("dom: errors say where") {
    CHECK_THROWS_WITH_AS(Document("{\n  \"a\": tru\n}", 10), "parse error at line 2, column 8: invalid literal",
                         oci::dom::ParseError);
    CHECK_THROWS_WITH_AS(oci::parse_dom("[1,]"), "config.json: invalid JSON: parse error at line 1, column 4: "
                                                  "expected a value",
                         oci::SpecError);
}

// The fixtures, each byte replaced, dropped or doubled at random: most
// mutants are invalid in some way the fixtures never are (a bad escape, a
// broken UTF-8 sequence, a number cut short), and both parsers must agree
// on every one.
TEST_CASE("dom: mutated configs, against nlohmann") {
    std::mt19937 rng(17);
    const char* files[] = {"config-example.json", "schema/good/spec-example.json", "schema/good/minimal.json"};
    const char alphabet[] = "{}[]\":,\\ u0123456789.eE+-tfnrl\x80\xbf\xc2\xe0\xed\xf0\xf4\xff\x01";
    size_t accepted = 0, total = 0;
    for (const char* f : files) {
        const std::string base = read_file(std::string(OCI_FIXTURES) + "/" + f);
        REQUIRE(!base.empty());
        agree(base);
        for (int round = 0; round < 1500; ++round) {
            std::string t = base;
            const int edits = 1 + static_cast<int>(rng() % 3);
            for (int e = 0; e < edits; ++e) {
                const size_t at = rng() % t.size();
                switch (rng() % 3) {
                    case 0: t[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
                    case 1: t.erase(at, 1); break;
                    default: t.insert(at, 1, t[at]); break;
                }
            }
            try {
                Document d(t, t.size() + 1);
                ++accepted;
            } catch (const oci::dom::ParseError&) {
            }
            agree(t);
            ++total;
        }
    }
    // Both verdicts occur, or the test would not tell them apart.
    CHECK(accepted > total / 20);
    CHECK(accepted < total - total / 20);
}
