// userns/probe.hpp: the decision on its own, and the probe on this host and
// in a user namespace whose max_user_namespaces is 0 (set in a child's own
// user namespace: the host's value is not touched).
#include <doctest/doctest.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "helpers.hpp"
#include "userns/probe.hpp"

using ucrun::userns::probe_userns;
using ucrun::userns::userns_available;
using ucrun::userns::UsernsProbe;

TEST_CASE("userns_available: the clone decides, a zero limit is named") {
    std::string why;
    CHECK(userns_available(UsernsProbe{15000, 0}, &why));
    CHECK(why.empty());
    CHECK(userns_available(UsernsProbe{std::nullopt, 0}));
    CHECK_FALSE(userns_available(UsernsProbe{0, ENOSPC}, &why));
    CHECK(why == "/proc/sys/user/max_user_namespaces is 0");
    CHECK_FALSE(userns_available(UsernsProbe{15000, EPERM}, &why));
    CHECK(why == "clone(CLONE_NEWUSER): Operation not permitted");
    CHECK_FALSE(userns_available(UsernsProbe{std::nullopt, EINVAL}, &why));
    CHECK(why == "clone(CLONE_NEWUSER): Invalid argument");
    CHECK_FALSE(userns_available(UsernsProbe{0, 0}));  // a limit of 0 is never "available"
}

TEST_CASE("probe_userns agrees with unshare(1) on this host") {
    const bool can = std::system("unshare -U true 2>/dev/null") == 0;
    UsernsProbe p = probe_userns();
    CHECK(userns_available(p) == can);
    CHECK(p.max_user_namespaces.has_value());
}

TEST_CASE("probe_userns where max_user_namespaces is 0") {
    const std::string host_before = slurp("/proc/sys/user/max_user_namespaces");
    CHECK(in_children(1, [](int) {
        // Root of a new user namespace has CAP_SYS_RESOURCE over it: it
        // may lower the limit of its own namespace (and its children's).
        if (::unshare(CLONE_NEWUSER) < 0) throw std::runtime_error("unshare");
        {
            std::ofstream f("/proc/sys/user/max_user_namespaces");
            f << "0\n";
            if (!f.flush()) throw std::runtime_error("write max_user_namespaces");
        }
        UsernsProbe p = probe_userns();
        std::string why;
        if (p.max_user_namespaces != 0 || p.clone_error != ENOSPC || userns_available(p, &why) ||
            why != "/proc/sys/user/max_user_namespaces is 0")
            throw std::runtime_error("probe said available");
    }));
    CHECK(slurp("/proc/sys/user/max_user_namespaces") == host_before);
}

// By hand: build/tests/unit/userns/test-userns -ts='*timing*' --no-skip
TEST_CASE("timing of probe_userns" * doctest::skip()) {
    const int n = 200;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) probe_userns();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    std::printf("probe_userns: %lld us each\n", static_cast<long long>(us.count() / n));
}
