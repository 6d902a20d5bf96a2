#include <cstdio>
#include <cstdlib>

#include "fuzz.hpp"

namespace ucrun::fuzz {

void invariant_failed(const char* what) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
    std::abort();
}

}  // namespace ucrun::fuzz
