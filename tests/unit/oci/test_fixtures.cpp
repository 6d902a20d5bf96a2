// The runtime-spec's schema test fixtures (schema/test/config/{good,bad}).
#include <doctest/doctest.h>

#include "helpers.hpp"

namespace {

oci::Config parse_fixture(const std::string& name) { return oci::parse_config(test::read_fixture("schema/" + name)); }

std::string error_of_fixture(const std::string& name) {
    try {
        oci::validate(parse_fixture(name));
    } catch (const oci::SpecError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("fixtures: every good fixture parses") {
    for (const char* name : {"minimal.json", "minimal-for-start.json", "linux-netdevice.json", "linux-rdma.json",
                             "spec-example.json", "freebsd-example.json", "freebsd-minimal.json", "zos-example.json",
                             "zos-minimal.json"}) {
        CAPTURE(name);
        CHECK_NOTHROW(parse_fixture(std::string("good/") + name));
    }
}

TEST_CASE("fixtures: good fixtures with a supported ociVersion validate") {
    for (const char* name : {"minimal.json", "minimal-for-start.json", "linux-netdevice.json", "linux-rdma.json",
                             "freebsd-example.json", "freebsd-minimal.json", "zos-minimal.json"}) {
        CAPTURE(name);
        CHECK(error_of_fixture(std::string("good/") + name) == "");
    }
}

// spec-example.json and zos-example.json declare ociVersion 0.5.0-dev, which
// ucrun refuses; apart from that they are valid.
TEST_CASE("fixtures: good fixtures with ociVersion 0.5.0-dev") {
    for (const char* name : {"spec-example.json", "zos-example.json"}) {
        CAPTURE(name);
        std::string rel = std::string("good/") + name;
        CHECK(error_of_fixture(rel) ==
              "config.json: unsupported ociVersion \"0.5.0-dev\": ucrun supports 1.0.0 to 1.3.x");
        oci::Config c = parse_fixture(rel);
        c.ociVersion = "1.3.0";
        CHECK_NOTHROW(oci::validate(c));
    }
}

TEST_CASE("fixtures: good/spec-example.json content") {
    oci::Config c = parse_fixture("good/spec-example.json");
    CHECK(c.domainname == "foobarbaz.test");
    CHECK(c.hooks.createRuntime.size() == 2);
    CHECK(c.hooks.createContainer[0].path == "/usr/bin/mount-hook");
    CHECK(c.hooks.startContainer.size() == 1);
    CHECK(c.linux->resources->cpu->burst == 1000000u);
    CHECK(c.linux->resources->memory->checkBeforeUpdate == false);
}

TEST_CASE("fixtures: bad/invalid-json.json") {
    CHECK_THROWS_AS(parse_fixture("bad/invalid-json.json"), oci::SpecError);
    try {
        parse_fixture("bad/invalid-json.json");
    } catch (const oci::SpecError& e) {
        CHECK(e.reason().rfind("invalid JSON: ", 0) == 0);
    }
}

TEST_CASE("fixtures: bad/linux-netdevice.json") {
    CHECK_THROWS_WITH_AS(parse_fixture("bad/linux-netdevice.json"),
                         "config.json: linux.netDevices[\"eth0\"].name: must be a string", oci::SpecError);
}

TEST_CASE("fixtures: bad/linux-rdma.json") {
    CHECK_THROWS_WITH_AS(parse_fixture("bad/linux-rdma.json"),
                         "config.json: linux.resources.rdma[\"mlx5_1\"].hcaHandles: must be an unsigned 32-bit integer",
                         oci::SpecError);
}

TEST_CASE("fixtures: bad/linux-hugepage.json") {
    CHECK(error_of_fixture("bad/linux-hugepage.json") ==
          "config.json: linux.resources.hugepageLimits[0].pageSize: must be a size like 2MB or 64KB (\"64kB\")");
}

// The freebsd section is not modelled: ucrun runs on Linux only, and unknown
// platform sections are ignored (config.md "Extensibility").
TEST_CASE("fixtures: bad/freebsd-vnet-disable.json is outside ucrun's rules") {
    CHECK(error_of_fixture("bad/freebsd-vnet-disable.json") == "");
}
