// config.json text -> typed oci::Config (config.md, config-linux.md).
// Parsing checks JSON types and REQUIRED fields; semantic rules are in
// validate.hpp. Unknown fields are ignored (config.md: "Implementations that
// are reading/processing this configuration file MUST NOT generate an error if
// they encounter an unknown property").
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "oci/config.hpp"
#include "oci/dom.hpp"
#include "oci/error.hpp"

namespace oci {

// A document a start reads (config.json, a process.json), into oci/dom.hpp's
// DOM: "is empty" / "invalid JSON: ..." errors, nesting deeper than
// limits::json_depth included. The text is kept (Document::text).
dom::Document parse_dom(std::string text, const std::string& document = "config.json");

// The JSON text alone, into nlohmann's DOM, for the documents ucrun edits
// or writes back (state.json, update's resources, a remapped config.json):
// the same errors as parse_dom, which accepts the same texts.
nlohmann::json parse_document(std::string_view text, const std::string& document = "config.json");

// Throws SpecError(document, path, reason). `document` names the file in
// messages ("config.json").
Config parse_config(const dom::Document& d, const std::string& document = "config.json");
Config parse_config(std::string_view text, const std::string& document = "config.json");
// A DOM of nlohmann's is read as its text (dump): for callers off the start
// path that hold one (tests, update).
Config parse_config(const nlohmann::json& j, const std::string& document = "config.json");
// Exact matches for text, which would otherwise be ambiguous between the
// string_view and the json overloads (json converts from strings).
Config parse_config(const std::string& text, const std::string& document = "config.json");
Config parse_config(const char* text, const std::string& document = "config.json");

// A process object alone, as given to `exec --process FILE`
// (path "" is the document root).
Process parse_process(const dom::Document& d, const std::string& document = "process.json");
Process parse_process(const nlohmann::json& j, const std::string& document = "process.json");

// The hooks object alone, as the state record keeps it (config.json's
// form, written by hooks_to_json) for poststart and poststop. Paths in
// errors start at "hooks".
Hooks parse_hooks(const dom::Value& v, const std::string& document);
// The inverse: config.json's form of `hooks`, without the empty lists
// (null when every list is empty).
nlohmann::json hooks_to_json(const Hooks& hooks);

// linux.resources alone, as given to `update -r FILE`.
Resources parse_resources(const nlohmann::json& j, const std::string& document = "resources.json");

}  // namespace oci
