// validate(): config-linux.md rules.
#include <doctest/doctest.h>

#include "helpers.hpp"

using test::base;
using test::error_of;
using test::json;

namespace {

json with_userns() {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 100000, "size": 65536}])");
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    return j;
}

json mapping(uint32_t c, uint32_t h, uint32_t s) { return {{"containerID", c}, {"hostID", h}, {"size", s}}; }

}  // namespace

TEST_CASE("validate: unknown namespace type") {
    json j = base();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "foo"}])");
    CHECK(error_of(j) == "config.json: linux.namespaces[3].type: unknown namespace type \"foo\"");
}

TEST_CASE("validate: duplicate namespace type") {
    json j = base();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "pid"}, {"type": "network"}, {"type": "pid"}])");
    CHECK(error_of(j) == "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\"");
}

TEST_CASE("validate: namespace path must be absolute") {
    json j = base();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "network", "path": "netns/x"}])");
    CHECK(error_of(j) == "config.json: linux.namespaces[0].path: must be an absolute path");
}

TEST_CASE("validate: all eight namespace types") {
    json j = base();
    j["linux"]["namespaces"] = json::array();
    for (const char* t : {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"})
        j["linux"]["namespaces"].push_back({{"type", t}});
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: a user namespace with mappings is valid") { CHECK(error_of(with_userns()) == ""); }

TEST_CASE("validate: id mapping size must be positive") {
    json j = with_userns();
    j["linux"]["uidMappings"][0]["size"] = 0;
    CHECK(error_of(j) == "config.json: linux.uidMappings[0].size: must be greater than 0");
}

TEST_CASE("validate: id mapping hostID overflow") {
    json j = with_userns();
    j["linux"]["uidMappings"][0] = mapping(0, 4294967295u, 2);
    CHECK(error_of(j) == "config.json: linux.uidMappings[0]: hostID + size overflows uint32");
    // The kernel refuses (uid_t)-1 itself (EINVAL): caught here.
    j["linux"]["uidMappings"][0] = mapping(0, 4294967295u, 1);
    CHECK(error_of(j) ==
          "config.json: linux.uidMappings[0]: includes id 4294967295, which cannot be mapped (it is (uid_t)-1)");
}

TEST_CASE("validate: id mapping containerID overflow") {
    json j = with_userns();
    j["linux"]["gidMappings"][0] = mapping(4294967000u, 0, 1000);
    CHECK(error_of(j) == "config.json: linux.gidMappings[0]: containerID + size overflows uint32");
}

TEST_CASE("validate: id mappings with overlapping container ranges") {
    json j = with_userns();
    j["linux"]["uidMappings"] = {mapping(0, 1000, 10), mapping(9, 5000, 10)};
    CHECK(error_of(j) == "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0]");
}

TEST_CASE("validate: id mappings with overlapping host ranges") {
    json j = with_userns();
    j["linux"]["uidMappings"] = {mapping(0, 1000, 10), mapping(100, 2000, 10), mapping(200, 1005, 1)};
    CHECK(error_of(j) == "config.json: linux.uidMappings[2]: overlaps linux.uidMappings[0]");
}

TEST_CASE("validate: adjacent id mappings do not overlap") {
    json j = with_userns();
    j["linux"]["uidMappings"] = {mapping(0, 1000, 10), mapping(10, 1010, 10)};
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: id mappings require a user namespace") {
    json j = with_userns();
    j["linux"]["namespaces"].erase(2);
    CHECK(error_of(j) == "config.json: linux.uidMappings: requires a user namespace in linux.namespaces");
    j["linux"].erase("uidMappings");
    CHECK(error_of(j) == "config.json: linux.gidMappings: requires a user namespace in linux.namespaces");
}

TEST_CASE("validate: id mappings with a user namespace joined by path") {
    // Accepted here: create compares them with the namespace's own
    // (src/userns/joined.hpp). Their form is still checked.
    json j = with_userns();
    j["linux"]["namespaces"][2]["path"] = "/proc/1/ns/user";
    CHECK(error_of(j) == "");
    j["linux"]["uidMappings"][0]["size"] = 0;
    CHECK(error_of(j) == "config.json: linux.uidMappings[0].size: must be greater than 0");
}

TEST_CASE("validate: timeOffsets need a time namespace") {
    json j = base();
    j["linux"]["timeOffsets"] = json::parse(R"({"monotonic": {"secs": 10}})");
    CHECK(error_of(j) == "config.json: linux.timeOffsets: requires a time namespace in linux.namespaces");
    j["linux"]["namespaces"].push_back({{"type", "time"}});
    CHECK(error_of(j) == "");
    j["linux"]["namespaces"].back()["path"] = "/proc/1/ns/time";
    CHECK(error_of(j) == "config.json: linux.timeOffsets: must not be set when the time namespace is joined by path");
}

TEST_CASE("validate: timeOffsets clock names and nanoseconds") {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "time"}});
    j["linux"]["timeOffsets"] = json::parse(R"({"realtime": {"secs": 10}})");
    CHECK(error_of(j) ==
          "config.json: linux.timeOffsets[\"realtime\"]: unknown clock \"realtime\" (must be monotonic or boottime)");
    j["linux"]["timeOffsets"] = json::parse(R"({"boottime": {"secs": -5, "nanosecs": 1000000000}})");
    CHECK(error_of(j) == "config.json: linux.timeOffsets[\"boottime\"].nanosecs: must be less than 1000000000");
}

TEST_CASE("validate: device type") {
    json j = base();
    j["linux"]["devices"] = json::parse(R"([{"type": "x", "path": "/dev/x", "major": 1, "minor": 3}])");
    CHECK(error_of(j) == "config.json: linux.devices[0].type: must be one of c, b, u, p");
    for (const char* t : {"c", "b", "u", "p"}) {
        j["linux"]["devices"][0]["type"] = t;
        CHECK(error_of(j) == "");
    }
}

TEST_CASE("validate: device path must be absolute") {
    json j = base();
    j["linux"]["devices"] = json::parse(R"([{"type": "c", "path": "dev/null", "major": 1, "minor": 3}])");
    CHECK(error_of(j) == "config.json: linux.devices[0].path: must be an absolute path");
}

TEST_CASE("validate: device fileMode is mode bits, setuid, setgid and sticky included") {
    json j = base();
    j["linux"]["devices"] = json::parse(R"([{"type": "c", "path": "/dev/x", "major": 1, "minor": 3}])");
    for (uint32_t mode : {0u, 0666u, 0777u, 04755u, 07777u}) {
        j["linux"]["devices"][0]["fileMode"] = mode;
        CHECK(error_of(j) == "");
    }
    for (uint32_t mode : {010000u, 0x80000000u, 0xffffffffu}) {
        j["linux"]["devices"][0]["fileMode"] = mode;
        CHECK(error_of(j) ==
              "config.json: linux.devices[0].fileMode: must be at most 4095 (07777: permission, setuid, setgid and "
              "sticky bits)");
    }
}

TEST_CASE("validate: rootfsPropagation values") {
    json j = base();
    for (const char* v : {"private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable"}) {
        j["linux"]["rootfsPropagation"] = v;
        CHECK(error_of(j) == "");
    }
    j["linux"]["rootfsPropagation"] = "master";
    CHECK(error_of(j) == "config.json: linux.rootfsPropagation: unknown propagation \"master\" (must be private, "
                         "shared, slave or unbindable, or r-prefixed)");
}

TEST_CASE("validate: seccomp defaultAction") {
    json j = base();
    j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_FOO"}};
    CHECK(error_of(j) == "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"");
    for (const char* a : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                          "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}) {
        j["linux"]["seccomp"]["defaultAction"] = a;
        CHECK(error_of(j) == "");
    }
}

TEST_CASE("validate: seccomp syscall action and names") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}, {"names": ["x"], "action": "DENY"}]})");
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[1].action: unknown seccomp action \"DENY\"");
    j["linux"]["seccomp"]["syscalls"][1] = json::parse(R"({"names": [], "action": "SCMP_ACT_LOG"})");
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[1].names: must not be empty");
    j["linux"]["seccomp"]["syscalls"][1]["names"] = {""};
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[1].names[0]: must not be empty");
}

TEST_CASE("validate: seccomp operators and arg index") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"],
        "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                                             {"index": 1, "value": 8, "op": "SCMP_CMP_FOO"}]}]})");
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[0].args[1].op: unknown seccomp operator \"SCMP_CMP_FOO\"");
    j["linux"]["seccomp"]["syscalls"][0]["args"][1] = json::parse(R"({"index": 6, "value": 0, "op": "SCMP_CMP_NE"})");
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[0].args[1].index: must be between 0 and 5");
    for (const char* op : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                           "SCMP_CMP_MASKED_EQ"}) {
        j["linux"]["seccomp"]["syscalls"][0]["args"][1] = {{"index", 5}, {"value", 0}, {"op", op}};
        CHECK(error_of(j) == "");
    }
}

TEST_CASE("validate: seccomp architectures and flags") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]})");
    CHECK(error_of(j) == "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_VAX\"");
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_X"]})");
    CHECK(error_of(j) == "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\"");
}

TEST_CASE("validate: seccomp errnoRet only with ERRNO or TRACE") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_KILL", "defaultErrnoRet": 1})");
    CHECK(error_of(j) == "config.json: linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "syscalls": [{"names": ["a"], "action": "SCMP_ACT_TRACE", "errnoRet": 2},
                     {"names": ["b"], "action": "SCMP_ACT_ALLOW", "errnoRet": 2}]})");
    CHECK(error_of(j) == "config.json: linux.seccomp.syscalls[1].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

TEST_CASE("validate: seccomp listenerMetadata needs listenerPath") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m"})");
    CHECK(error_of(j) == "config.json: linux.seccomp.listenerMetadata: requires linux.seccomp.listenerPath");
    j["linux"]["seccomp"]["listenerPath"] = "/run/agent.sock";
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: maskedPaths and readonlyPaths must be absolute") {
    json j = base();
    j["linux"]["maskedPaths"] = {"/proc/kcore", "proc/keys"};
    CHECK(error_of(j) == "config.json: linux.maskedPaths[1]: must be an absolute path");
    j = base();
    j["linux"]["readonlyPaths"] = {""};
    CHECK(error_of(j) == "config.json: linux.readonlyPaths[0]: must be an absolute path");
}

TEST_CASE("validate: personality") {
    json j = base();
    j["linux"]["personality"] = {{"domain", "LINUX64"}};
    CHECK(error_of(j) == "config.json: linux.personality.domain: must be LINUX or LINUX32");
    j["linux"]["personality"] = {{"domain", "LINUX32"}, {"flags", {"ADDR_NO_RANDOMIZE"}}};
    CHECK(error_of(j) == "config.json: linux.personality.flags[0]: unknown personality flag \"ADDR_NO_RANDOMIZE\"");
    j["linux"]["personality"] = {{"domain", "LINUX"}};
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: memoryPolicy") {
    json j = base();
    for (const char* m : {"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
                          "MPOL_PREFERRED_MANY", "MPOL_LOCAL"}) {
        j["linux"]["memoryPolicy"] = {{"mode", m}};
        CHECK(error_of(j) == "");
    }
    j["linux"]["memoryPolicy"] = {{"mode", "MPOL_ALL"}};
    CHECK(error_of(j) == "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_ALL\"");
    j["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0-"}};
    CHECK(error_of(j) == "config.json: linux.memoryPolicy.nodes: invalid node list \"0-\"");
    j["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", {"MPOL_F_STATIC_NODES", "F"}}};
    CHECK(error_of(j) == "config.json: linux.memoryPolicy.flags[1]: unknown memory policy flag \"F\"");
}

TEST_CASE("validate: intelRdt schemas") {
    json j = base();
    j["linux"]["intelRdt"] = {{"memBwSchema", "L3:0=1"}};
    CHECK(error_of(j) == "config.json: linux.intelRdt.memBwSchema: must start with \"MB:\"");
    j["linux"]["intelRdt"] = {{"memBwSchema", "MB:0=20\nL3:0=1"}};
    CHECK(error_of(j) == "config.json: linux.intelRdt.memBwSchema: must not contain newlines");
    j["linux"]["intelRdt"] = {{"schemata", {"L3:0=7f0", "MB:0=20\n"}}};
    CHECK(error_of(j) == "config.json: linux.intelRdt.schemata[1]: must not contain newlines");
    j["linux"]["intelRdt"] = {{"closID", "/"}, {"memBwSchema", "MB:0=20"}, {"l3CacheSchema", "L3:0=f"}};
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: resources device rules") {
    json j = base();
    j["linux"]["resources"]["devices"] = json::parse(R"([{"allow": false, "access": "rwm"},
        {"allow": true, "type": "x", "major": 1, "minor": 3}])");
    CHECK(error_of(j) == "config.json: linux.resources.devices[1].type: must be one of a, c, b");
    j["linux"]["resources"]["devices"][1] = json::parse(R"({"allow": true, "type": "c", "access": "rwx"})");
    CHECK(error_of(j) == "config.json: linux.resources.devices[1].access: must contain only r, w and m");
}

TEST_CASE("validate: resources hugepage pageSize") {
    json j = base();
    for (const char* ok : {"2MB", "64KB", "1GB", "16384KB"}) {
        j["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", ok}, {"limit", 1}}};
        CHECK(error_of(j) == "");
    }
    for (const char* bad : {"64kB", "2M", "0MB", "MB", "2 MB", ""}) {
        CAPTURE(bad);
        j["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", bad}, {"limit", 1}}};
        CHECK(error_of(j) == std::string("config.json: linux.resources.hugepageLimits[0].pageSize: must be a size "
                                         "like 2MB or 64KB (\"") + bad + "\")");
    }
}

TEST_CASE("validate: resources cpu lists, pids, blockIO, rdma") {
    json j = base();
    j["linux"]["resources"]["cpu"] = {{"cpus", "0-3,a"}};
    CHECK(error_of(j) == "config.json: linux.resources.cpu.cpus: invalid CPU list \"0-3,a\"");
    j["linux"]["resources"]["cpu"] = {{"mems", "1,"}};
    CHECK(error_of(j) == "config.json: linux.resources.cpu.mems: invalid node list \"1,\"");
    j = base();
    j["linux"]["resources"]["pids"] = {{"limit", -2}};
    CHECK(error_of(j) == "config.json: linux.resources.pids.limit: must be -1 or greater");
    j = base();
    j["linux"]["resources"]["blockIO"]["weightDevice"] = {{{"major", 8}, {"minor", 0}}};
    CHECK(error_of(j) == "config.json: linux.resources.blockIO.weightDevice[0]: must set weight or leafWeight");
    j = base();
    j["linux"]["resources"]["rdma"]["mlx4_0"] = json::object();
    CHECK(error_of(j) == "config.json: linux.resources.rdma[\"mlx4_0\"]: must set hcaHandles or hcaObjects");
}

TEST_CASE("validate_resources: standalone document paths") {
    oci::Resources r = oci::parse_resources(json::parse(R"({"pids": {"limit": -5}})"));
    CHECK_THROWS_WITH_AS(oci::validate_resources(r, "resources.json", ""),
                         "resources.json: pids.limit: must be -1 or greater", oci::SpecError);
}

TEST_CASE("validate: id mappings the kernel would refuse with a bare EINVAL") {
    // user_namespaces(7): at most 340 lines in uid_map/gid_map.
    json j = with_userns();
    j["linux"]["uidMappings"] = json::array();
    for (uint32_t i = 0; i < 340; ++i) j["linux"]["uidMappings"].push_back(mapping(i, 100000 + i, 1));
    CHECK(error_of(j) == "");
    j["linux"]["uidMappings"].push_back(mapping(340, 100340, 1));
    CHECK(error_of(j) ==
          "config.json: linux.uidMappings: has 341 ranges: the kernel accepts at most 340 (user_namespaces(7))");
    // (uid_t)-1 is never a valid id, on either side.
    j = with_userns();
    j["linux"]["gidMappings"] = json::array({mapping(0, 100000, 1), mapping(4294967295u, 200000, 1)});
    CHECK(error_of(j) ==
          "config.json: linux.gidMappings[1]: includes id 4294967295, which cannot be mapped (it is (uid_t)-1)");
    j["linux"]["gidMappings"] = json::array({mapping(0, 4294967294u, 2)});
    CHECK(error_of(j) ==
          "config.json: linux.gidMappings[0]: includes id 4294967295, which cannot be mapped (it is (uid_t)-1)");
    j["linux"]["gidMappings"] = json::array({mapping(0, 4294967294u, 1)});
    CHECK(error_of(j) == "");
}
