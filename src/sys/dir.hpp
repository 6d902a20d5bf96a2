// RAII owner of a directory stream (opendir(3), fdopendir(3)): closedir
// runs however the reader leaves, closing the fd the stream owns.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cerrno>

#include <memory>

namespace ucrun::sys {

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};
using Dir = std::unique_ptr<DIR, DirCloser>;

// A stream over `fd`, which it then owns (closed with the stream, or right
// away when fdopendir fails). Empty with errno on failure; `fd` < 0 (a
// failed open passed straight in) gives an empty Dir with that open's errno.
inline Dir fdopen_dir(int fd) noexcept {
    if (fd < 0) return Dir();
    DIR* d = ::fdopendir(fd);
    if (!d) {
        int err = errno;
        ::close(fd);
        errno = err;
    }
    return Dir(d);
}

}  // namespace ucrun::sys
