// oci/dom.hpp's parser against nlohmann's, which it replaces on the start
// path: the same texts accepted, the same values read (json_same.hpp), and
// nothing but ParseError thrown.
#include <optional>

#include <nlohmann/json.hpp>

#include "fuzz.hpp"
#include "json_same.hpp"
#include "oci/dom.hpp"

UCRUN_FUZZ_TARGET(json) {
    const std::string_view text = ucrun::fuzz::text(data, size);
    // No depth limit of its own here (nlohmann has none): the depth guard
    // is parse_dom's, before either parser.
    const size_t depth = size + 1;
    std::optional<oci::dom::Document> d;
    try {
        d.emplace(std::string(text), depth);
    } catch (const oci::dom::ParseError&) {
    }
    nlohmann::json j;
    bool accepted = true;
    try {
        j = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception&) {  // parse_error, and out_of_range for "1E400"
        accepted = false;
    }
    if (!ucrun::fuzz::agree(text, d ? &d->root() : nullptr, accepted ? &j : nullptr)) __builtin_trap();
    // The spans: the root's text, parsed alone, is the same value.
    if (d && !ucrun::fuzz::same(oci::dom::Document(std::string(d->source(d->root())), depth).root(), j))
        __builtin_trap();
    return 0;
}
