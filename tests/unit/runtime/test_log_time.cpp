#include <doctest/doctest.h>
#include <time.h>

#include <cstdio>
#include <string>

#include "log/log.hpp"

using namespace ucrun;

namespace {
// The reference: glibc's gmtime_r, which rfc3339() replaces (log.cpp).
std::string reference(time_t secs, long nsec) {
    struct tm tm;
    REQUIRE(::gmtime_r(&secs, &tm));
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
    return buf;
}
}  // namespace

TEST_CASE("rfc3339: fixed points") {
    CHECK(rfc3339({0, 0}) == "1970-01-01T00:00:00.000000000Z");
    CHECK(rfc3339({951782400, 5}) == "2000-02-29T00:00:00.000000005Z");   // leap day of a century leap year
    CHECK(rfc3339({4107542399, 999999999}) == "2100-02-28T23:59:59.999999999Z");  // 2100 is no leap year
    CHECK(rfc3339({4107542400, 0}) == "2100-03-01T00:00:00.000000000Z");
    CHECK(rfc3339({-1, 0}) == "1969-12-31T23:59:59.000000000Z");
}

TEST_CASE("rfc3339: agrees with gmtime_r from 1900 to 2400") {
    // Every 86400 * 7 + 3671 seconds: each weekday, hour and leap rule.
    for (int64_t s = -2208988800LL; s < 13569465600LL; s += 86400LL * 7 + 3671)
        REQUIRE(rfc3339({static_cast<time_t>(s), 123}) == reference(static_cast<time_t>(s), 123));
}

TEST_CASE("rfc3339_now: today, in the format") {
    std::string now = rfc3339_now();
    REQUIRE(now.size() == 30);
    CHECK(now[4] == '-');
    CHECK(now[10] == 'T');
    CHECK(now.back() == 'Z');
    CHECK(now.substr(0, 2) == "20");
}

TEST_CASE("rfc3339: the last four-digit year, and past it") {
    CHECK(rfc3339({253402300799, 999999999}) == "9999-12-31T23:59:59.999999999Z");
    CHECK(rfc3339({253402300800, 7}) == reference(253402300800, 7));  // 10000-01-01
    CHECK(rfc3339({253402300800, 7}) == "10000-01-01T00:00:00.000000007Z");
}
