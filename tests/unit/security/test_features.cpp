// features document (features.md, schema/features-*.json) and default spec.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "helpers.hpp"
#include "oci/default_spec.hpp"
#include "oci/features.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"
#include "security/features_probe.hpp"

using nlohmann::json;

namespace {

json features() {
    oci::FeaturesInput in = ucrun::security::probe_security_features();
    in.cgroup = oci::CgroupFeatures{true, true, false, false, false};
    in.idmapMounts = true;
    in.version = "0.1.0";
    in.commit = "abcdef";
    return oci::features_document(in);
}

std::set<std::string> enum_of(const json& defs, const char* name) {
    std::set<std::string> s;
    for (const auto& v : defs["definitions"][name]["enum"]) s.insert(v.get<std::string>());
    return s;
}

}  // namespace

TEST_CASE("features document: required keys and shapes (features-schema.json)") {
    json f = features();
    // "required": ["ociVersionMin", "ociVersionMax"]
    REQUIRE(f.contains("ociVersionMin"));
    REQUIRE(f.contains("ociVersionMax"));
    CHECK(f["ociVersionMin"] == "1.0.0");
    CHECK(f["ociVersionMax"] == "1.3.0");
    CHECK(f["hooks"] == json({"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}));

    // Only the properties the schema defines, at both levels.
    const std::set<std::string> top = {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "annotations",
                                       "potentiallyUnsafeConfigAnnotations", "linux"};
    for (auto& kv : f.items()) CHECK_MESSAGE(top.count(kv.key()), kv.key());
    const std::set<std::string> lin = {"namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux",
                                       "intelRdt", "mountExtensions", "netDevices", "memoryPolicy"};
    for (auto& kv : f["linux"].items()) CHECK_MESSAGE(lin.count(kv.key()), kv.key());

    auto& mo = f["mountOptions"];
    for (const char* o : {"bind", "rbind", "ro", "rro", "nosymfollow", "tmpcopyup", "idmap", "ridmap"})
        CHECK_MESSAGE(std::find(mo.begin(), mo.end(), o) != mo.end(), o);
    CHECK(std::is_sorted(mo.begin(), mo.end()));

    auto& l = f["linux"];
    CHECK(l["namespaces"].size() == 8);
    CHECK(l["capabilities"].size() == 41);
    CHECK(l["capabilities"][0] == "CAP_CHOWN");
    CHECK(l["cgroup"] == json({{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}));
    CHECK(l["seccomp"]["enabled"] == true);
    CHECK(l["seccomp"]["actions"].size() == 9);
    CHECK(l["seccomp"]["operators"].size() == 7);
    CHECK(l["seccomp"]["knownFlags"].size() == 4);
    CHECK(l["seccomp"]["supportedFlags"].size() >= 1);
    CHECK(l["apparmor"]["enabled"] == true);
    CHECK(l["selinux"]["enabled"] == true);
    CHECK(l["mountExtensions"]["idmap"]["enabled"] == true);
    CHECK_FALSE(l.contains("intelRdt"));  // not given: omitted

    auto& a = f["annotations"];
    CHECK(a["org.opencontainers.runc.checkpoint.enabled"] == "false");
    CHECK(a["io.github.ucrun.version"] == "0.1.0");
    CHECK(a["io.github.ucrun.commit"] == "abcdef");
    CHECK(a["io.github.seccomp.libseccomp.version"].get<std::string>().find('.') != std::string::npos);
    for (auto& [k, v] : a.items()) CHECK(v.is_string());
    for (auto& c : l["capabilities"]) {
        std::string s = c.get<std::string>();
        CHECK((s.rfind("CAP_", 0) == 0 && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos));
    }
}

TEST_CASE("features document: seccomp and namespace names are in the schema's enums") {
    const std::string defs_path = std::string(SPEC_SCHEMA_DIR) + "/defs-linux.json";
    if (!std::filesystem::exists(defs_path)) {
        MESSAGE("skipped: " << defs_path << " not found");
        return;
    }
    json defs = json::parse(test::slurp(defs_path));
    json f = features();
    auto& sc = f["linux"]["seccomp"];
    auto check_in = [&](const json& arr, const char* def) {
        auto e = enum_of(defs, def);
        REQUIRE_FALSE(e.empty());
        for (auto& v : arr) CHECK_MESSAGE(e.count(v.get<std::string>()), def << ": " << v);
    };
    check_in(sc["actions"], "SeccompAction");
    check_in(sc["operators"], "SeccompOperators");
    check_in(sc["archs"], "SeccompArch");
    check_in(sc["knownFlags"], "SeccompFlag");
    check_in(sc["supportedFlags"], "SeccompFlag");
    check_in(f["linux"]["namespaces"], "NamespaceType");
    // Every action/operator/flag of the spec is recognized.
    CHECK(sc["actions"].size() == enum_of(defs, "SeccompAction").size());
    CHECK(sc["operators"].size() == enum_of(defs, "SeccompOperators").size());
    CHECK(sc["knownFlags"].size() == enum_of(defs, "SeccompFlag").size());
}

TEST_CASE("features document: minimal input") {
    oci::FeaturesInput in;
    json f = oci::features_document(in);
    CHECK(f["ociVersionMax"] == "1.3.0");
    CHECK_FALSE(f["linux"].contains("seccomp"));
    auto& mo = f["mountOptions"];
    CHECK(std::find(mo.begin(), mo.end(), "idmap") == mo.end());
    in.seccomp = oci::SeccompFeatures{};
    in.seccomp->enabled = false;
    f = oci::features_document(in);
    CHECK(f["linux"]["seccomp"] == json({{"enabled", false}}));
}

TEST_CASE("default spec equals runc spec (ociVersion 1.3.0)") {
    CHECK(oci::default_spec(false) == test::fixture("runc-spec.json"));
    CHECK(oci::default_spec(true, 0, 0) == test::fixture("runc-spec-rootless.json"));
    json r = oci::default_spec(true, 1000, 1001);
    CHECK(r["linux"]["uidMappings"][0]["hostID"] == 1000);
    CHECK(r["linux"]["gidMappings"][0]["hostID"] == 1001);
    // runc's key order, tab-indented.
    std::string text = oci::default_spec_ordered(false).dump(1, '\t');
    CHECK(text.rfind("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {", 0) == 0);
}

TEST_CASE("default spec parses and validates") {
    for (bool rootless : {false, true}) {
        CAPTURE(rootless);
        json j = oci::default_spec(rootless, 1000, 1000);
        oci::Config c = oci::parse_config(std::string_view(j.dump()));
        CHECK(c.ociVersion == "1.3.0");
        CHECK(c.root.path == "rootfs");
        CHECK(c.root.readonly);
        REQUIRE(c.process);
        CHECK(c.process->args == std::vector<std::string>{"sh"});
        CHECK(c.process->noNewPrivileges);
        REQUIRE(c.process->capabilities);
        CHECK(c.process->capabilities->bounding->size() == 3);
        CHECK_FALSE(c.process->capabilities->inheritable);
        REQUIRE(c.linux);
        CHECK((c.linux->find_namespace("user") != nullptr) == rootless);
        CHECK((c.linux->find_namespace("network") != nullptr) == !rootless);
        CHECK_NOTHROW(oci::validate(c));
    }
}
