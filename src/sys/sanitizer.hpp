// What a -Db_sanitize=address build (tests/sanitize/run.sh) needs from the
// code; nothing in any other build.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define UCRUN_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UCRUN_LSAN 1
#endif
#endif

#ifdef UCRUN_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace ucrun::sys {

// LeakSanitizer's check, now rather than at exit, for a process that will
// not be able to run it at exit (ns/for_children.hpp). Once run, the exit
// check is skipped.
inline void leak_check_now() {
#ifdef UCRUN_LSAN
    __lsan_do_leak_check();
#endif
}

}  // namespace ucrun::sys
