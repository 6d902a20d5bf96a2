// Shared by the libFuzzer targets of tests/fuzz/ (see run.sh).
//
// Each target is a function `ucrun_fuzz_<name>(data, size)`. Built as a
// fuzzer (-Dfuzz=true, clang, UCRUN_LIBFUZZER defined) the same file also
// defines LLVMFuzzerTestOneInput calling it; built as the regression unit
// test (tests/unit/fuzz/, the normal g++ build) every target lives in one
// executable that feeds it the kept inputs of tests/fuzz/regressions/ and
// the seed corpus.
//
// A target catches only the project's own error types: refusing hostile
// input with a message is the parsers' job. Anything else escaping (a
// nlohmann::json exception, std::out_of_range, std::bad_alloc on a small
// input), a crash, a hang or a sanitizer report is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#ifdef UCRUN_LIBFUZZER
#define UCRUN_FUZZ_TARGET(name)                                                   \
    extern "C" int ucrun_fuzz_##name(const uint8_t* data, size_t size);           \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {     \
        return ucrun_fuzz_##name(data, size);                                      \
    }                                                                             \
    extern "C" int ucrun_fuzz_##name(const uint8_t* data, size_t size)
#else
#define UCRUN_FUZZ_TARGET(name) extern "C" int ucrun_fuzz_##name(const uint8_t* data, size_t size)
#endif

namespace ucrun::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input cut at every `sep` (a trailing piece included, even empty).
inline std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = s.find(sep, start);
        out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

// A finding the target detects itself (a broken invariant): abort, so that
// libFuzzer keeps the input and the regression test fails.
[[noreturn]] void invariant_failed(const char* what);

}  // namespace ucrun::fuzz

#define UCRUN_FUZZ_CHECK(cond) \
    do {                       \
        if (!(cond)) ::ucrun::fuzz::invariant_failed(#cond " (" __FILE__ ")"); \
    } while (0)
