#include "container/seccomp_cache.hpp"

#include "sys/error.hpp"

namespace ucrun::container {

namespace {
constexpr const char* kFile = "seccomp.bpf";
}  // namespace

void save_seccomp(const state::Store& store, const std::string& id, const security::Program& p) {
    store.save_private(id, kFile, p.to_bytes());
}

// Trust: the file is loaded into the kernel as the container's filter, so
// whoever can write it chooses what the container's processes may call.
// It lives in the state directory, which belongs to the runtime's user
// (root: /run/ucrun, mode 0711, not writable by others; rootless: the
// user's own XDG_RUNTIME_DIR), next to config.json and state.json, which
// that user could change as well; Store::load_private still refuses a
// file that is not a regular file of ours with mode 0600, and from_bytes
// anything but the exact layout to_bytes writes. The kernel verifies the
// instructions themselves (seccomp_check_filter) at load.
security::Program load_seccomp(const state::Store& store, const std::string& id, const oci::Seccomp& s) {
    auto bytes = store.load_private(id, kFile, security::Program::kMaxBytes);
    if (!bytes) return security::compile(s);
    try {
        return security::Program::from_bytes(*bytes);
    } catch (const Error& e) {
        throw Error(store.dir(id) + "/" + kFile + ": " + e.what());
    }
}

}  // namespace ucrun::container
