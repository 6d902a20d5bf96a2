// The remap policy's rule and its injection (src/container/remap.hpp), pure.
#include <doctest/doctest.h>

#include "container/remap.hpp"
#include "oci/error.hpp"
#include "oci/parse.hpp"

using namespace ucrun;
using namespace ucrun::container;

namespace {

config::UsernsConfig on() {
    config::UsernsConfig c;
    c.remap = config::Remap::Default;
    return c;
}

oci::Config parse(const std::string& text) { return oci::parse_config(oci::parse_document(text)); }

const char* kBase = R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"/","args":["true"]},
                       "linux":{"namespaces":[{"type":"mount"},{"type":"pid"}]}})";

}  // namespace

TEST_CASE("remap: decide") {
    oci::Config plain = parse(kBase);
    CHECK(remap::decide({}, plain, "f") == remap::Decision::Off);
    CHECK(remap::decide(on(), plain, "f") == remap::Decision::Inject);

    oci::Config own = plain;
    own.linux->namespaces.push_back({"user", std::nullopt});
    CHECK(remap::decide(on(), own, "f") == remap::Decision::OwnUserns);
    oci::Config joined = plain;
    joined.linux->namespaces.push_back({"user", "/proc/1/ns/user"});
    CHECK(remap::decide(on(), joined, "f") == remap::Decision::OwnUserns);
    oci::Config maps_only = plain;
    maps_only.linux->gidMappings = {{0, 1000, 1}};
    CHECK(remap::decide(on(), maps_only, "f") == remap::Decision::OwnUserns);

    oci::Config out = plain;
    out.annotations[remap::kOptOutAnnotation] = "host";
    CHECK_THROWS_WITH_AS(remap::decide(on(), out, "/etc/ucrun/ucrun.yaml"),
                         doctest::Contains("annotations[\"io.github.ucrun.userns\"]: the runtime's user namespace "
                                           "remap does not allow containers in the host user namespace "
                                           "(userns.allow-host is false in /etc/ucrun/ucrun.yaml"),
                         oci::SpecError);
    config::UsernsConfig allow = on();
    allow.allow_host = true;
    CHECK(remap::decide(allow, out, "f") == remap::Decision::OptedOut);
    CHECK(remap::decide({}, out, "f") == remap::Decision::Off);  // nothing to opt out of
    out.annotations[remap::kOptOutAnnotation] = "Host";
    CHECK_THROWS_WITH_AS(remap::decide(allow, out, "f"), doctest::Contains("unknown value \"Host\""), oci::SpecError);

    for (const char* k : {remap::kUserAnnotation, remap::kAllocationAnnotation, remap::kUidMapAnnotation,
                          remap::kGidMapAnnotation}) {
        CAPTURE(k);
        oci::Config fake = own;
        fake.annotations[k] = "0:1:1";
        CHECK_THROWS_WITH_AS(remap::decide({}, fake, "f"), doctest::Contains("is reserved"), oci::SpecError);
    }
}

TEST_CASE("remap: inject writes the config that runs and the one that is stored alike") {
    nlohmann::json doc = oci::parse_document(kBase);
    oci::Config cfg = oci::parse_config(doc);
    userns::Block b{{131072, 65536}, {262144, 65536}};
    remap::inject(cfg, doc, b, "ucrun", config::Allocation::PerContainer);
    CHECK(cfg.linux->find_namespace("user"));
    REQUIRE(cfg.linux->uidMappings.size() == 1);
    CHECK(cfg.linux->uidMappings[0].hostID == 131072);
    CHECK(cfg.linux->gidMappings[0].hostID == 262144);
    CHECK(cfg.annotations.at(remap::kUidMapAnnotation) == "0:131072:65536");
    CHECK(cfg.annotations.at(remap::kGidMapAnnotation) == "0:262144:65536");
    CHECK(cfg.annotations.at(remap::kAllocationAnnotation) == "per-container");
    // The stored document parses to the same config.
    oci::Config again = oci::parse_config(doc);
    CHECK(again.linux->find_namespace("user"));
    CHECK(again.linux->uidMappings[0].hostID == 131072);
    CHECK(again.linux->gidMappings[0].size == 65536);
    CHECK(again.annotations == cfg.annotations);
    // A stored config cannot be handed to create again as it is: the
    // annotations are the runtime's to write.
    CHECK_THROWS_AS(remap::decide(on(), again, "f"), oci::SpecError);
}

TEST_CASE("remap: dockerd's ping_group_range is cut to the gids that exist in the added namespace") {
    for (const auto& gw : std::vector<std::pair<std::string, std::string>>{
             {"0 2147483647", "0 65535"}, {"100 70000", "100 65535"}, {"1 0", "1 0"}, {"70000 80000", "1 0"},
             {"5 10", "5 10"}}) {
        const std::string& given = gw.first;  // not structured bindings: CAPTURE's lambda (clang-14)
        const std::string& want = gw.second;
        CAPTURE(given);
        nlohmann::json doc = oci::parse_document(kBase);
        doc["linux"]["sysctl"] = {{"net.ipv4.ping_group_range", given}};
        oci::Config cfg = oci::parse_config(doc);
        remap::inject(cfg, doc, {{131072, 65536}, {131072, 65536}}, "ucrun", config::Allocation::PerContainer);
        CHECK(cfg.linux->sysctl.at("net.ipv4.ping_group_range") == want);
        CHECK(doc["linux"]["sysctl"]["net.ipv4.ping_group_range"] == want);
    }
}
