// The undo of a half-made container (src/container/rollback.hpp), with
// fake steps: exactly what was done is undone, last first.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "container/rollback.hpp"

using ucrun::container::Rollback;

TEST_CASE("rollback: undoes what was made, in reverse order") {
    std::vector<std::string> undone;
    {
        Rollback rb;
        // create's order: the id block, the state directory's poststop
        // hooks, the state directory, the cgroup, the init process.
        for (const char* step : {"id block", "poststop hooks", "state directory", "cgroup", "init process"})
            rb.add(step, [&undone, step] { undone.push_back(step); });
        CHECK(rb.pending() ==
              std::vector<std::string>{"init process", "cgroup", "state directory", "poststop hooks", "id block"});
        CHECK(undone.empty());  // nothing before the destructor
    }
    CHECK(undone == std::vector<std::string>{"init process", "cgroup", "state directory", "poststop hooks", "id block"});
}

TEST_CASE("rollback: only what was made before the failure") {
    std::vector<std::string> undone;
    auto create = [&](bool fail_after_dir) {
        Rollback rb;
        rb.add("id block", [&] { undone.push_back("id block"); });
        rb.add("state directory", [&] { undone.push_back("state directory"); });
        if (fail_after_dir) throw std::runtime_error("cgroup: no such controller");
        rb.add("cgroup", [&] { undone.push_back("cgroup"); });
        rb.commit();
    };
    CHECK_THROWS_AS(create(true), std::runtime_error);
    CHECK(undone == std::vector<std::string>{"state directory", "id block"});
    undone.clear();
    CHECK_NOTHROW(create(false));
    CHECK(undone.empty());  // committed: the container exists
}

TEST_CASE("rollback: a failing step does not stop the others") {
    std::vector<std::string> undone;
    {
        Rollback rb;
        rb.add("state directory", [&] { undone.push_back("state directory"); });
        rb.add("cgroup", [&] {
            undone.push_back("cgroup");
            throw std::runtime_error("EBUSY");
        });
        rb.add("init process", [&] { undone.push_back("init process"); });
    }
    CHECK(undone == std::vector<std::string>{"init process", "cgroup", "state directory"});
}
