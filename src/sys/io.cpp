#include "sys/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::sys {

namespace {

// The loop of both write_all: `write` is ::write or a Kernel's.
template <typename Write>
bool write_loop(Write write, int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

}  // namespace

bool write_all(int fd, std::string_view data) { return write_loop(::write, fd, data); }

bool write_all(const Kernel& k, int fd, std::string_view data) {
    return write_loop([&k](int f, const void* b, size_t n) { return k.write(f, b, n); }, fd, data);
}

void write_file_at(const Kernel& k, int dirfd, const std::string& path, std::string_view data) {
    Fd fd(k.openat(dirfd, path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) throw_errno("open " + path);
    if (!write_all(k, fd.get(), data)) throw_errno("write " + path);
}

std::string read_all(int fd) {
    // Read straight into the string, sized from fstat when the size is
    // known: no bounce buffer, which on the stack cost a page fault per
    // 4 KiB on every command (issue 17). /proc files and pipes say 0: they
    // grow the string as they go. The size is a hint, never trusted past
    // 1 MiB: a file system may claim any size (FUSE) and hold less.
    constexpr size_t kMaxHint = size_t{1} << 20;
    struct stat st {};
    size_t want = 4096;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        want = std::min(static_cast<size_t>(st.st_size), kMaxHint - 1) + 1;
    std::string out(want, '\0');
    size_t have = 0;
    for (;;) {
        if (have == out.size()) out.resize(out.size() * 2);
        ssize_t n = ::read(fd, out.data() + have, out.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read");
        }
        if (n == 0) break;
        have += static_cast<size_t>(n);
    }
    out.resize(have);
    return out;
}

std::string read_file_at(int dirfd, const std::string& path) {
    Fd fd(::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) throw_errno("open " + path);
    try {
        return read_all(fd.get());
    } catch (const SysError& e) {
        throw SysError("read " + path, e.code());
    }
}

std::string read_file(const std::string& path) { return read_file_at(AT_FDCWD, path); }

std::string read_regular_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd) throw_errno("open " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path);
    if (!S_ISREG(st.st_mode)) throw Error(path + " is not a regular file");
    try {
        return read_all(fd.get());
    } catch (const SysError& e) {
        throw SysError("read " + path, e.code());
    }
}

void write_file_at(int dirfd, const std::string& path, std::string_view data) {
    Fd fd(::openat(dirfd, path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) throw_errno("open " + path);
    if (!write_all(fd.get(), data)) throw_errno("write " + path);
}

void write_file(const std::string& path, std::string_view data) { write_file_at(AT_FDCWD, path, data); }

void write_file_atomic_at(int dirfd, const std::string& name, std::string_view data, unsigned mode) {
    // A file of its own, made new (O_EXCL): a link or a file someone put
    // at the temporary name is never written through or truncated, and two
    // writers of `name` never share one; the rename replaces whole files
    // only. The name holds our pid: one left by a killed process of the
    // same pid, long gone, is replaced once.
    const std::string tmp = name + ".tmp." + std::to_string(::getpid());
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
    Fd fd(::openat(dirfd, tmp.c_str(), flags, mode));
    if (!fd && errno == EEXIST && ::unlinkat(dirfd, tmp.c_str(), 0) == 0) fd.reset(::openat(dirfd, tmp.c_str(), flags, mode));
    if (!fd) throw_errno("create " + tmp);
    if (!write_all(fd.get(), data)) {
        int err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw_errno("write " + tmp, err);
    }
    fd.reset();
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) < 0) {
        int err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw_errno("rename " + tmp + " to " + name, err);
    }
}

WorkingDir::WorkingDir(const std::string& path) : old_(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (!old_) throw_errno("open the working directory");
    if (::chdir(path.c_str()) < 0) throw_errno("chdir " + path);
}

WorkingDir::~WorkingDir() {
    // Nothing to do about a failure here: the directory we came from is
    // held open, so fchdir to it cannot fail for lack of a name.
    if (::fchdir(old_.get()) < 0) {
    }
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
    write_file_atomic_at(AT_FDCWD, path, data, mode);
}

}  // namespace ucrun::sys
