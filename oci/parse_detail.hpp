// Internal to oci/: readers of the config sections that live in separate
// translation units (see json_read.hpp for the conventions).
#pragma once

#include "oci/config.hpp"
#include "oci/json_read.hpp"

namespace oci::detail {

void read(Reader& r, const json& v, const Path& path, IDMapping& out);
void read(Reader& r, const json& v, const Path& path, Process& out);
void read(Reader& r, const json& v, const Path& path, Linux& out);
void read(Reader& r, const json& v, const Path& path, Resources& out);

}  // namespace oci::detail
