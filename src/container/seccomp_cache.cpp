#include "container/seccomp_cache.hpp"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "sys/dir.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace ucrun::container {

namespace {
constexpr const char* kFile = "seccomp.bpf";

constexpr const char* kSharedDir = "@seccomp";
// Entries at most; a new one past that empties the directory first (the
// profiles in use come back at their next create).
constexpr size_t kMaxEntries = 64;
// An entry: "USCC", the key's length (4 bytes), the key, Program::to_bytes.
constexpr char kEntryMagic[4] = {'U', 'S', 'C', 'C'};
// Docker's default profile is ~12 KiB as dumped: room for any real one,
// and with kMaxEntries a bound on what a config author can make us keep
// in /run (~10 MiB).
constexpr size_t kMaxKey = 128 << 10;

// The GNU build id of this binary (lld and ld write one): what it was
// built from, libseccomp and its syscall tables included (linked in, a
// static binary). A distribution's libseccomp learns new syscalls under
// the same version string, and compile() may change: an entry made by
// another build is not ours to trust. Empty without one: then no cache.
std::string own_build_id() {
    std::string id;
    ::dl_iterate_phdr(
        [](struct dl_phdr_info* info, size_t, void* out) -> int {
            auto& hex = *static_cast<std::string*>(out);
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_NOTE) continue;
                const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
                const char* end = p + ph.p_memsz;
                while (p + sizeof(ElfW(Nhdr)) <= end) {
                    const auto* n = reinterpret_cast<const ElfW(Nhdr)*>(p);
                    const char* name = p + sizeof *n;
                    const char* desc = name + ((n->n_namesz + 3) & ~3u);
                    const char* next = desc + ((n->n_descsz + 3) & ~3u);
                    if (next > end) break;
                    if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
                        n->n_descsz > 0) {
                        for (unsigned j = 0; j < n->n_descsz; ++j) {
                            char b[3];
                            std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(desc[j]));
                            hex += b;
                        }
                        return 1;
                    }
                    p = next;
                }
            }
            return 1;  // the first object is the program itself
        },
        &id);
    return id;
}

std::string entry_name(const std::string& key) {
    uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: a file name, not a proof (the key is compared whole)
    for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
    char name[17];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
    return name;
}

std::optional<security::Program> read_entry(int dir, const std::string& name, const std::string& key) {
    std::string data;
    try {
        auto text = state::read_private_at(dir, name, sizeof kEntryMagic + 4 + key.size() + security::Program::kMaxBytes,
                                           std::string(kSharedDir) + "/" + name);
        if (!text) return std::nullopt;
        data = std::move(*text);
    } catch (const std::exception&) {  // Error or SysError
        return std::nullopt;  // not ours, or not readable: compiled instead
    }
    const size_t head = sizeof kEntryMagic + 4;
    if (data.size() < head || data.compare(0, sizeof kEntryMagic, kEntryMagic, sizeof kEntryMagic) != 0)
        return std::nullopt;
    uint32_t len;
    std::memcpy(&len, data.data() + sizeof kEntryMagic, 4);
    if (len != key.size() || data.size() < head + len || data.compare(head, len, key) != 0) return std::nullopt;
    try {
        return security::Program::from_bytes(std::string_view(data).substr(head + len));
    } catch (const Error&) {
        return std::nullopt;
    }
}

void keep_entry(const state::Store& store, const std::string& name, const std::string& key,
                const security::Program& p) {
    Fd dir = store.own_dir(kSharedDir, true);
    if (!dir) return;
    {
        // Bounded: past kMaxEntries, the entries go (and files of ours
        // left half-written by a killed create with them).
        std::vector<std::string> names;
        Fd own(::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        sys::Dir d{own ? ::fdopendir(own.get()) : nullptr};
        if (!d) return;
        own.release();
        while (struct dirent* e = ::readdir(d.get()))
            if (e->d_name[0] != '.') names.emplace_back(e->d_name);
        if (names.size() >= kMaxEntries)
            for (const auto& n : names) ::unlinkat(dir.get(), n.c_str(), 0);
    }
    std::string data(kEntryMagic, sizeof kEntryMagic);
    const uint32_t len = static_cast<uint32_t>(key.size());
    data.append(reinterpret_cast<const char*>(&len), 4);
    data += key;
    data += p.to_bytes();
    // Another create keeping an entry of the same name (the same key, or
    // another whose hash collides) never writes into this one's file
    // (write_file_atomic_at makes its own, O_EXCL, and renames it whole).
    try {
        sys::write_file_atomic_at(dir.get(), name, data, 0600);
    } catch (const std::exception&) {  // not kept: the next create compiles
    }
}

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

security::Program compile_shared(const state::Store& store, std::string_view section, const oci::Seccomp& s) {
    const std::string build = own_build_id();
    if (build.empty()) return security::compile(s);
    security::CompileOptions opts;
    opts.kernel_flags = security::kernel_filter_flags();  // probed once: the key's and the compile's
    std::string key = "ucrun seccomp 1\nbuild " + build + "\nlibseccomp " + security::libseccomp_version() +
                      "\nflags " + std::to_string(*opts.kernel_flags) + "\n";
    key += section;
    if (key.size() > kMaxKey) return security::compile(s, opts);
    const std::string name = entry_name(key);
    if (Fd dir = store.own_dir(kSharedDir, false))
        if (auto p = read_entry(dir.get(), name, key)) return std::move(*p);
    security::Program p = security::compile(s, opts);  // throws on a bad profile: nothing is kept
    keep_entry(store, name, key, p);
    return p;
}

}  // namespace ucrun::container
