// Reading back a container's record, <root>/<id>/state.json (written by
// Store::save): every member is checked, so that a damaged file (a crash,
// a full disk, an edit by hand) is reported as
//   /run/ucrun/c1/state.json: corrupt state file: missing "state"
// and not with the JSON library's text.
#pragma once

#include <string>
#include <string_view>

#include "state/store.hpp"

namespace ucrun::state {

// Throws state::Corrupt naming `file`.
Record record_from_text(std::string_view text, const std::string& file);

}  // namespace ucrun::state
