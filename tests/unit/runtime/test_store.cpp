#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "state/store.hpp"
#include "sys/error.hpp"

using namespace ucrun;

TEST_CASE("state store: create, save, load, list, duplicate, remove") {
    char tmpl[] = "/tmp/ucrun-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    std::string root = std::string(tmpl) + "/root";
    state::Store store(root);
    {
        Fd lock = store.create_dir("c1");
        state::Record r;
        r.state.ociVersion = "1.3.0";
        r.state.id = "c1";
        r.state.bundle = "/b";
        r.state.status = oci::Status::Created;
        r.pid = ::getpid();
        r.pid_start_time = state::process_start_time(::getpid());
        r.state.pid = r.pid;
        store.save(r);
        CHECK_THROWS_WITH_AS(store.create_dir("c1"), "container with id exists: c1", Error);
    }
    auto r = store.load("c1");
    CHECK(r.state.bundle == "/b");
    CHECK(r.pid == ::getpid());
    CHECK(store.list_ids() == std::vector<std::string>{"c1"});
    // This process is alive and there is no exec.fifo: running.
    CHECK(state::live_status(store, r) == oci::Status::Running);
    r.pid_start_time += 1;  // a reused pid: stopped
    CHECK(state::live_status(store, r) == oci::Status::Stopped);
    store.remove("c1");
    CHECK_THROWS_WITH_AS(store.load("c1"), "container c1 does not exist", state::NotFound);
    CHECK(store.list_ids().empty());
    std::filesystem::remove_all(tmpl);
}

TEST_CASE("process start time: 0 for a missing pid") {
    CHECK(state::process_start_time(0) == 0);
    CHECK(state::process_start_time(::getpid()) > 0);
}
