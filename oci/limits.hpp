// The sizes ucrun accepts in config.json (and process.json, resources.json).
// config.json is hostile input: every limit below is refused with an error
// naming the field, before anything is created, instead of failing deep in
// the init (whose error may not fit its socket) or costing the host memory.
// Documented in ucrun(8), "LIMITS".
#pragma once

#include <cstddef>
#include <cstdint>

namespace oci::limits {

// JSON nesting (objects and arrays). runc's limit: Go's encoding/json
// refuses documents nested deeper than 10000 (maxNestingDepth). Checked on
// the text before a DOM is built (parse.cpp).
constexpr size_t json_depth = 10000;

// Any single string value or object key: 1 MiB. Nothing in the spec needs
// more; the tighter limits below apply on top.
constexpr size_t string_bytes = size_t{1} << 20;

// hostname, domainname: the kernel's __NEW_UTS_LEN (sethostname(2) fails
// with EINVAL beyond it).
constexpr size_t uts_name_bytes = 64;

// One process.args or process.env entry, hook args and env: MAX_ARG_STRLEN
// (32 pages) including the NUL, so execve(2) does not fail with E2BIG.
constexpr size_t exec_string_bytes = 131072 - 1;
// args + env together, each counted with its NUL: half of the 2 MiB that
// execve(2) allows with the default 8 MiB stack (ARG_MAX = stack / 4),
// leaving room for what the kernel puts on the stack besides.
constexpr size_t exec_total_bytes = size_t{1} << 20;

// Paths (mount destination and source, cwd, root.path, hook path,
// process.args[0]): PATH_MAX including the NUL.
constexpr size_t path_bytes = 4095;

// One mount option: fsconfig(2) copies a key and a value of at most 256
// bytes with the NUL each, so key=value is at most 255 + 1 + 255.
constexpr size_t mount_option_part_bytes = 255;

// annotations: a key at most 4 KiB, keys and values together at most 1 MiB
// (Kubernetes allows 256 KiB in total).
constexpr size_t annotation_key_bytes = 4096;
constexpr size_t annotations_total_bytes = size_t{1} << 20;

// process.user uid, gid, additionalGids: (uid_t)-1 means "unchanged" to
// setresuid(2); runc refuses anything above INT32_MAX with the same words.
constexpr uint32_t max_id = 2147483647;
constexpr const char* id_range_message = "uids and gids must be in range 0-2147483647";

}  // namespace oci::limits
