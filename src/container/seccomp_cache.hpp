// linux.seccomp compiled once, at create, for every later exec (runc exec:
// the container's filter applies to the new process; a process.json given
// to exec has no seccomp of its own, config-linux.md "Seccomp" is in
// linux, not in process).
//
// Measured (5 interleaved rounds of 40 `ucrun exec c1 true` per variant,
// busybox, Docker's default profile of tests/unit/security/fixtures, a
// shared 2-core VM; CPU time user+sys of ucrun and its children, median,
// less noisy than wall time there): without seccomp 11.1 ms per exec;
// with the profile recompiled by libseccomp on every exec 29.0 ms; with
// the program read back from the state directory 13.6 ms. Compiling was
// two thirds of an exec: the compiled program is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oci/config.hpp"
#include "security/seccomp.hpp"
#include "state/store.hpp"

namespace ucrun::container {

// At create, once the container is on record: <state dir>/<id>/seccomp.bpf
// (Program::to_bytes, atomic, mode 0600).
void save_seccomp(const state::Store& store, const std::string& id, const security::Program& p);

// At exec: the program saved at create, or, for a container created before
// the cache existed (no file), `s` compiled again. A file that is there but
// is not one we wrote (owner, mode, size, format) is an error, not a reason
// to recompile: it would mean someone else wrote in root's state directory.
security::Program load_seccomp(const state::Store& store, const std::string& id, const oci::Seccomp& s);

// At create: the program of `s` as compiled for an earlier container of
// this root, else compiled now and kept for the next ones, in
// <root>/@seccomp/ ('@' is in no container id: no id names it, `list`
// skips it). libseccomp's compile is most of a `create` with an engine's
// profile (Docker's default: ~14 ms, against ~5 ms for the rest of a
// `run`), and engines give nearly every container the same one; crun keeps
// such a cache too. An entry is keyed by the exact text of `section`
// (config.json's linux.seccomp as written: the same text parses to the
// same profile; engines write one profile the same way each time), this binary's
// build id (libseccomp is linked in), libseccomp's version and the
// kernel's filter flags, and is used only when the key it holds is that
// text byte for byte; then from_bytes checks the program's layout. A
// profile of more than 128 KiB as text is compiled, not kept. Trust as for the state directory (load_seccomp): a file there
// that is not ours (owner, mode, type) is not used. The cache is an
// optimisation only: any failure to read or keep an entry just compiles.
security::Program compile_shared(const state::Store& store, std::string_view section, const oci::Seccomp& s);

}  // namespace ucrun::container
