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

TEST_CASE("state store: ids are names, never paths, in every operation") {
    char tmpl[] = "/tmp/ucrun-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string base = tmpl;
    std::filesystem::create_directories(base + "/root");
    std::filesystem::create_directories(base + "/decoy/inner");
    std::filesystem::create_directories(base + "/root/good");
    state::Store store(base + "/root");
    for (const std::string bad : {"..", ".", "../decoy", "a/../../decoy", "/tmp", "", "x/y"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(store.remove(bad), Error);
        CHECK_THROWS_AS(store.lock(bad), Error);
        CHECK_THROWS_AS(store.load(bad), Error);
        CHECK_THROWS_AS(store.create_dir(bad), Error);
        CHECK_THROWS_AS(store.dir(bad), Error);
        CHECK_THROWS_AS(store.load_config(bad), Error);
    }
    CHECK_THROWS_WITH(store.remove("../decoy"), doctest::Contains("invalid container id"));
    CHECK(std::filesystem::exists(base + "/decoy/inner"));
    CHECK(std::filesystem::exists(base + "/root/good"));
    // A symlink planted in the root is not followed.
    std::filesystem::create_directory_symlink(base + "/decoy", base + "/root/link");
    CHECK_THROWS_AS(store.lock("link"), state::NotFound);
    store.remove("link");
    CHECK(std::filesystem::exists(base + "/decoy/inner"));
    std::filesystem::remove_all(tmpl);
}
