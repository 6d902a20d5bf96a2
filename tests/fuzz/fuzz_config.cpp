// config.json: the parser, the typed reader, the validator and the
// mount-option parser over every mount, as `ucrun create` runs them. The
// typed reader must give the same verdict on the text's own DOM (oci/dom.hpp,
// create's) and on nlohmann's DOM of it (a repeated key's earlier values
// dropped, what update and the tests read): the same error, or none.
#include <optional>

#include <nlohmann/json.hpp>

#include "fuzz.hpp"
#include "oci/mount_options.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"

namespace {

// "" when `parse` accepts, else its SpecError's text.
template <class Parse>
std::string verdict(Parse&& parse) {
    try {
        parse();
        return "";
    } catch (const oci::SpecError& e) {
        return e.what();
    }
}

}  // namespace

UCRUN_FUZZ_TARGET(config) {
    const std::string_view text = ucrun::fuzz::text(data, size);
    std::optional<oci::dom::Document> doc;
    try {
        doc.emplace(oci::parse_dom(std::string(text)));
    } catch (const oci::SpecError&) {
        return 0;
    }
    const std::string typed = verdict([&] { (void)oci::parse_config(*doc); });
    const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end());  // accepts what parse_dom does
    if (verdict([&] { (void)oci::parse_config(j); }) != typed) __builtin_trap();
    if (!typed.empty()) return 0;
    try {
        const oci::Config cfg = oci::parse_config(*doc);
        oci::validate(cfg);
        oci::check_host_root_mapping(cfg, false);
        for (size_t i = 0; i < cfg.mounts.size(); ++i)
            (void)oci::parse_mount_options(cfg.mounts[i], "mounts[" + std::to_string(i) + "]");
    } catch (const oci::SpecError&) {
    }
    return 0;
}
