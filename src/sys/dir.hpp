// RAII owner of a directory stream (opendir(3)/fdopendir(3)): closedir(3)
// on every path out, exceptions included. A stream made by fdopendir owns
// its descriptor: closedir closes it.
#pragma once

#include <dirent.h>

#include <memory>

namespace ucrun::sys {

class Dir {
public:
    Dir() = default;
    explicit Dir(DIR* d) noexcept : d_(d) {}

    DIR* get() const noexcept { return d_.get(); }
    explicit operator bool() const noexcept { return d_ != nullptr; }

private:
    struct Close {
        void operator()(DIR* d) const noexcept { ::closedir(d); }
    };
    std::unique_ptr<DIR, Close> d_;
};

}  // namespace ucrun::sys
