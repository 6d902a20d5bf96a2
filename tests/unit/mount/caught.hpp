// caught<E>(f): runs f, which must throw an E, and returns the E so that a
// test can check its fields (path(), code(), message()); a test fails when
// f returns normally (or throws something else).
#pragma once

#include <doctest/doctest.h>

#include <stdexcept>

namespace ucrun::test {

template <typename E, typename F>
E caught(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    }
    FAIL("no error thrown");
    throw std::logic_error("unreachable");
}

}  // namespace ucrun::test
