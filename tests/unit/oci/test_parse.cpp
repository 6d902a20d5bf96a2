// parse_config: the spec's example, types, REQUIRED fields, integer widths.
#include <doctest/doctest.h>

#include "helpers.hpp"

using test::base;
using test::json;
using test::parse_error;

TEST_CASE("parse: config.md example, top level") {
    oci::Config c = oci::parse_config(test::read_fixture("config-example.json"));
    CHECK(c.ociVersion == "1.0.1");
    CHECK(c.root.path == "rootfs");
    CHECK(c.root.readonly);
    CHECK(c.hostname == "slartibartfast");
    CHECK_FALSE(c.domainname);
    CHECK(c.annotations.at("com.example.key1") == "value1");
    CHECK(c.annotations.size() == 2);
}

TEST_CASE("parse: config.md example, process") {
    oci::Config c = oci::parse_config(test::read_fixture("config-example.json"));
    REQUIRE(c.process);
    const oci::Process& p = *c.process;
    CHECK(p.terminal);
    CHECK(p.user.uid == 1);
    CHECK(p.user.gid == 1);
    CHECK(p.user.additionalGids == std::vector<uint32_t>{5, 6});
    CHECK(p.args == std::vector<std::string>{"sh"});
    CHECK(p.env.size() == 2);
    CHECK(p.cwd == "/");
    REQUIRE(p.capabilities);
    CHECK(p.capabilities->bounding->size() == 3);
    CHECK(p.capabilities->effective == std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL"});
    CHECK(p.capabilities->ambient == std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
    REQUIRE(p.rlimits.size() == 2);
    CHECK(p.rlimits[0].type == "RLIMIT_CORE");
    CHECK(p.rlimits[1].soft == 1024);
    CHECK(p.apparmorProfile == "acme_secure_profile");
    CHECK(p.oomScoreAdj == 100);
    REQUIRE(p.ioPriority);
    CHECK(p.ioPriority->class_ == "IOPRIO_CLASS_IDLE");
    CHECK(p.ioPriority->priority == 4);
    CHECK(p.noNewPrivileges);
}

TEST_CASE("parse: config.md example, mounts and hooks") {
    oci::Config c = oci::parse_config(test::read_fixture("config-example.json"));
    REQUIRE(c.mounts.size() == 7);
    CHECK(c.mounts[0].destination == "/proc");
    CHECK(c.mounts[0].type == "proc");
    CHECK(c.mounts[0].options.empty());
    CHECK(c.mounts[1].options == std::vector<std::string>{"nosuid", "strictatime", "mode=755", "size=65536k"});
    CHECK(c.hooks.prestart.size() == 2);
    CHECK(c.hooks.prestart[0].args.size() == 3);
    CHECK(c.hooks.poststart[0].timeout == 5);
    CHECK(c.hooks.createRuntime.empty());
    CHECK(c.hooks.poststop[0].path == "/usr/sbin/cleanup.sh");
}

TEST_CASE("parse: config.md example, linux") {
    oci::Config c = oci::parse_config(test::read_fixture("config-example.json"));
    REQUIRE(c.linux);
    const oci::Linux& l = *c.linux;
    REQUIRE(l.devices.size() == 2);
    CHECK(l.devices[0].path == "/dev/fuse");
    CHECK(l.devices[0].major == 10);
    CHECK(l.devices[0].minor == 229);
    CHECK(l.devices[0].fileMode == 438u);
    CHECK(l.uidMappings.size() == 1);
    CHECK(l.uidMappings[0].hostID == 1000);
    CHECK(l.gidMappings[0].size == 32000);
    CHECK(l.sysctl.at("net.core.somaxconn") == "256");
    CHECK(l.cgroupsPath == "/myRuntime/myContainer");
    CHECK(l.rootfsPropagation == "slave");
    CHECK(l.timeOffsets.at("boottime").secs == 604800);
    CHECK(l.timeOffsets.at("monotonic").nanosecs == 0u);
    CHECK(l.namespaces.size() == 8);
    CHECK(l.find_namespace("time") != nullptr);
    CHECK(l.maskedPaths->size() == 4);
    CHECK(l.readonlyPaths->size() == 6);
    CHECK(l.mountLabel);
    REQUIRE(l.seccomp);
    CHECK(l.seccomp->defaultAction == "SCMP_ACT_ALLOW");
    CHECK(l.seccomp->architectures.size() == 2);
    CHECK(l.seccomp->syscalls[0].names == std::vector<std::string>{"getcwd", "chmod"});
}

TEST_CASE("parse: config.md example, resources") {
    oci::Config c = oci::parse_config(test::read_fixture("config-example.json"));
    const oci::Resources& r = *c.linux->resources;
    CHECK(r.network->classID == 1048577u);
    CHECK(r.network->priorities[1].priority == 1000u);
    CHECK(r.pids->limit == 32771);
    CHECK(r.hugepageLimits[0].limit == 9223372036854772000ull);
    CHECK(r.memory->limit == 536870912);
    CHECK(r.memory->kernel == -1);
    CHECK(r.memory->swappiness == 0u);
    CHECK(r.memory->disableOOMKiller == false);
    CHECK_FALSE(r.memory->useHierarchy);
    CHECK(r.cpu->shares == 1024u);
    CHECK(r.cpu->idle == 1);
    CHECK(r.cpu->cpus == "2-3");
    REQUIRE(r.devices.size() == 3);
    CHECK_FALSE(r.devices[0].allow);
    CHECK_FALSE(r.devices[0].type);
    CHECK(r.devices[1].major == 10);
    CHECK(r.blockIO->weight == 10);
    CHECK(r.blockIO->weightDevice[1].weight == 500);
    CHECK_FALSE(r.blockIO->weightDevice[1].leafWeight);
    CHECK(r.blockIO->throttleReadBpsDevice[0].rate == 600u);
    CHECK(r.blockIO->throttleWriteIOPSDevice[0].minor == 16);
}

TEST_CASE("parse: config.md example validates") {
    CHECK_NOTHROW(oci::validate(oci::parse_config(test::read_fixture("config-example.json"))));
}

TEST_CASE("parse: empty and blank text") {
    CHECK_THROWS_WITH_AS(oci::parse_config(""), "config.json: is empty", oci::SpecError);
    CHECK_THROWS_WITH_AS(oci::parse_config(" \n\t"), "config.json: is empty", oci::SpecError);
}

TEST_CASE("parse: invalid JSON names the document and nlohmann's reason") {
    try {
        oci::parse_config("{]", "bundle/config.json");
        FAIL("no exception");
    } catch (const oci::SpecError& e) {
        CHECK(e.document() == "bundle/config.json");
        CHECK(e.path() == "");
        CHECK(e.reason().rfind("invalid JSON: ", 0) == 0);
        CHECK(e.reason().find("parse error") != std::string::npos);
    }
}

TEST_CASE("parse: document must be an object") {
    CHECK(parse_error(json::array()) == "config.json: must be a JSON object");
    CHECK_THROWS_WITH_AS(oci::parse_config("42"), "config.json: must be a JSON object", oci::SpecError);
}

TEST_CASE("parse: REQUIRED top-level fields") {
    json j = base();
    j.erase("ociVersion");
    CHECK(parse_error(j) == "config.json: ociVersion: is required");
    j = base();
    j.erase("root");
    CHECK(parse_error(j) == "config.json: root: is required");
    j = base();
    j["root"] = json::object();
    CHECK(parse_error(j) == "config.json: root.path: is required");
}

// The OCI schema allows null for no field; null read as absent would make
// "maskedPaths": null a container with nothing masked (json_read.hpp).
TEST_CASE("parse: null is refused naming the field, for every kind of field") {
    auto with = [](const char* ptr) {
        json j = base();
        j["mounts"] = json::parse(R"([{"destination": "/proc", "type": "proc", "source": "proc"}])");
        j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 1}])");
        j[json::json_pointer(ptr)] = nullptr;
        return parse_error(j);
    };
    CHECK(with("/process/terminal") == "config.json: process.terminal: must be a boolean, not null");
    CHECK(with("/root/readonly") == "config.json: root.readonly: must be a boolean, not null");
    CHECK(with("/hostname") == "config.json: hostname: must be a string, not null");
    CHECK(with("/mounts/0/source") == "config.json: mounts[0].source: must be a string, not null");
    CHECK(with("/mounts/0/options") == "config.json: mounts[0].options: must be an array, not null");
    CHECK(with("/linux/maskedPaths") == "config.json: linux.maskedPaths: must be an array, not null");
    CHECK(with("/process/env") == "config.json: process.env: must be an array, not null");
    CHECK(with("/process/capabilities") == "config.json: process.capabilities: must be an object, not null");
    CHECK(with("/linux") == "config.json: linux: must be an object, not null");
    CHECK(with("/linux/resources") == "config.json: linux.resources: must be an object, not null");
    CHECK(with("/annotations") == "config.json: annotations: must be an object, not null");
    CHECK(with("/process/oomScoreAdj") == "config.json: process.oomScoreAdj: must be a 32-bit integer, not null");
    CHECK(with("/process/user/umask") == "config.json: process.user.umask: must be an unsigned 32-bit integer, not null");
    CHECK(with("/linux/uidMappings/0/size") ==
          "config.json: linux.uidMappings[0].size: must be an unsigned 32-bit integer, not null");
}

TEST_CASE("parse: null in a REQUIRED field, an array element, a map value, the document") {
    json j = base();
    j["ociVersion"] = nullptr;
    CHECK(parse_error(j) == "config.json: ociVersion: must be a string, not null");
    j = base();
    j["root"]["path"] = nullptr;
    CHECK(parse_error(j) == "config.json: root.path: must be a string, not null");
    j = base();
    j["process"]["args"][0] = nullptr;
    CHECK(parse_error(j) == "config.json: process.args[0]: must be a string, not null");
    j = base();
    j["linux"]["namespaces"][1] = nullptr;
    CHECK(parse_error(j) == "config.json: linux.namespaces[1]: must be an object, not null");
    j = base();
    j["annotations"] = {{"k", nullptr}};
    CHECK(parse_error(j) == "config.json: annotations[\"k\"]: must be a string, not null");
    j = base();
    j["linux"]["sysctl"] = {{"net.ipv4.ip_forward", nullptr}};
    CHECK(parse_error(j) == "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string, not null");
    CHECK_THROWS_WITH_AS(oci::parse_config("null"), "config.json: must be a JSON object, not null", oci::SpecError);
    // A wrong type that is not null keeps its message.
    j = base();
    j["process"]["terminal"] = "yes";
    CHECK(parse_error(j) == "config.json: process.terminal: must be a boolean");
}

TEST_CASE("parse: null is refused in process.json (exec -p) and in linux.resources (update) too") {
    json p = {{"cwd", "/"}, {"args", {"sh"}}, {"user", {{"uid", 0}, {"gid", 0}}}, {"noNewPrivileges", nullptr}};
    CHECK_THROWS_WITH_AS(oci::parse_process(p, "p.json"), "p.json: noNewPrivileges: must be a boolean, not null",
                         oci::SpecError);
    CHECK_THROWS_WITH_AS(oci::parse_process(json(nullptr), "p.json"), "p.json: must be a JSON object, not null",
                         oci::SpecError);
    json r = {{"memory", {{"limit", nullptr}}}};
    CHECK_THROWS_WITH_AS(oci::parse_resources(r, "r.json"),
                         "r.json: memory.limit: must be a 64-bit integer, not null", oci::SpecError);
    r = {{"devices", nullptr}};
    CHECK_THROWS_WITH_AS(oci::parse_resources(r, "r.json"), "r.json: devices: must be an array, not null",
                         oci::SpecError);
}

TEST_CASE("parse: unknown fields are ignored") {
    json j = base();
    j["futureField"] = {{"x", 1}};
    j["linux"]["somethingNew"] = 3;
    j["process"]["user"]["nickname"] = "x";
    CHECK(parse_error(j) == "");
}

TEST_CASE("parse: string fields") {
    json j = base();
    j["ociVersion"] = 1;
    CHECK(parse_error(j) == "config.json: ociVersion: must be a string");
    j = base();
    j["process"]["args"] = {"sh", 3};
    CHECK(parse_error(j) == "config.json: process.args[1]: must be a string");
    j = base();
    j["process"]["args"][0] = true;
    CHECK(parse_error(j) == "config.json: process.args[0]: must be a string");
    j = base();
    j["hostname"] = json::array();
    CHECK(parse_error(j) == "config.json: hostname: must be a string");
}

TEST_CASE("parse: boolean, array and object fields") {
    json j = base();
    j["root"]["readonly"] = "yes";
    CHECK(parse_error(j) == "config.json: root.readonly: must be a boolean");
    j = base();
    j["process"]["args"] = "sh";
    CHECK(parse_error(j) == "config.json: process.args: must be an array");
    j = base();
    j["process"] = "sh";
    CHECK(parse_error(j) == "config.json: process: must be an object");
    j = base();
    j["mounts"] = {42};
    CHECK(parse_error(j) == "config.json: mounts[0]: must be an object");
}

TEST_CASE("parse: mounts") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/a"}, {"destination": "/b"}, {"type": "tmpfs"}])");
    CHECK(parse_error(j) == "config.json: mounts[2].destination: is required");
    j["mounts"][2]["destination"] = 7;
    CHECK(parse_error(j) == "config.json: mounts[2].destination: must be a string");
    j["mounts"][2] = json::parse(R"({"destination": "/c", "source": "/s", "options": ["ro", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]})");
    oci::Config c = oci::parse_config(j);
    CHECK(c.mounts[2].source == "/s");
    CHECK(c.mounts[2].uidMappings[0].hostID == 1000);
    CHECK(c.mounts[2].gidMappings.size() == 1);
}

TEST_CASE("parse: uint32 range") {
    json j = base();
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 0, "size": 1},
        {"containerID": 1, "hostID": 1, "size": -1}])");
    CHECK(parse_error(j) == "config.json: linux.uidMappings[1].size: must be an unsigned 32-bit integer");
    j["linux"]["uidMappings"][1]["size"] = 4294967296ull;
    CHECK(parse_error(j) == "config.json: linux.uidMappings[1].size: must be an unsigned 32-bit integer");
    j["linux"]["uidMappings"][1]["size"] = 4294967295ull;
    CHECK(parse_error(j) == "");
    j["linux"]["uidMappings"][1]["size"] = 1.5;
    CHECK(parse_error(j) == "config.json: linux.uidMappings[1].size: must be an unsigned 32-bit integer");
    j["linux"]["uidMappings"][1]["size"] = "1";
    CHECK(parse_error(j) == "config.json: linux.uidMappings[1].size: must be an unsigned 32-bit integer");
}

TEST_CASE("parse: REQUIRED id mapping fields") {
    json j = base();
    j["linux"]["gidMappings"] = json::parse(R"([{"containerID": 0, "size": 1}])");
    CHECK(parse_error(j) == "config.json: linux.gidMappings[0].hostID: is required");
}

TEST_CASE("parse: uint16 range") {
    json j = base();
    j["linux"]["resources"]["blockIO"]["weight"] = 65536;
    CHECK(parse_error(j) == "config.json: linux.resources.blockIO.weight: must be an unsigned 16-bit integer");
    j["linux"]["resources"]["blockIO"]["weight"] = 65535;
    CHECK(parse_error(j) == "");
}

TEST_CASE("parse: int32 range") {
    json j = base();
    j["process"]["oomScoreAdj"] = 2147483648ll;
    CHECK(parse_error(j) == "config.json: process.oomScoreAdj: must be a 32-bit integer");
    j["process"]["oomScoreAdj"] = -2147483649ll;
    CHECK(parse_error(j) == "config.json: process.oomScoreAdj: must be a 32-bit integer");
    j["process"]["oomScoreAdj"] = -2147483648ll;
    CHECK(oci::parse_config(j).process->oomScoreAdj == INT32_MIN);
}

TEST_CASE("parse: int64 range") {
    json j = base();
    j["linux"]["resources"]["memory"]["limit"] = 9223372036854775808ull;
    CHECK(parse_error(j) == "config.json: linux.resources.memory.limit: must be a 64-bit integer");
    j["linux"]["resources"]["memory"]["limit"] = "1G";
    CHECK(parse_error(j) == "config.json: linux.resources.memory.limit: must be a 64-bit integer");
    j["linux"]["resources"]["memory"]["limit"] = -1;
    CHECK(oci::parse_config(j).linux->resources->memory->limit == -1);
}

TEST_CASE("parse: uint64 range") {
    json j = base();
    j["process"]["rlimits"] = json::parse(R"([{"type": "RLIMIT_NOFILE", "soft": 18446744073709551615, "hard": -1}])");
    CHECK(parse_error(j) == "config.json: process.rlimits[0].hard: must be an unsigned 64-bit integer");
    j["process"]["rlimits"][0]["hard"] = 18446744073709551615ull;
    CHECK(oci::parse_config(j).process->rlimits[0].soft == UINT64_MAX);
}

TEST_CASE("parse: text beyond uint64 is a float, refused") {
    std::string text = R"({"ociVersion": "1.3.0", "root": {"path": "r"},
        "process": {"cwd": "/", "args": ["sh"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 18446744073709551616}]}})";
    CHECK_THROWS_WITH_AS(oci::parse_config(text),
                         "config.json: process.rlimits[0].hard: must be an unsigned 64-bit integer", oci::SpecError);
}

TEST_CASE("parse: map keys use [\"key\"] paths") {
    json j = base();
    j["linux"]["sysctl"] = {{"net.ipv4.ip_forward", 1}};
    CHECK(parse_error(j) == "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string");
    j = base();
    j["annotations"] = {{"a", "b"}, {"c", json::object()}};
    CHECK(parse_error(j) == "config.json: annotations[\"c\"]: must be a string");
    j = base();
    j["annotations"] = json::array();
    CHECK(parse_error(j) == "config.json: annotations: must be an object");
}

TEST_CASE("parse: process REQUIRED fields") {
    json j = base();
    j["process"].erase("cwd");
    CHECK(parse_error(j) == "config.json: process.cwd: is required");
    j = base();
    j["process"]["user"] = {{"uid", 1}};
    CHECK(parse_error(j) == "config.json: process.user.gid: is required");
    j = base();
    j["process"]["consoleSize"] = {{"height", 25}};
    CHECK(parse_error(j) == "config.json: process.consoleSize.width: is required");
    j = base();
    j["process"]["rlimits"] = json::parse(R"([{"type": "RLIMIT_NOFILE", "hard": 1}])");
    CHECK(parse_error(j) == "config.json: process.rlimits[0].soft: is required");
    j = base();
    j["process"]["scheduler"] = {{"nice", 1}};
    CHECK(parse_error(j) == "config.json: process.scheduler.policy: is required");
    j = base();
    j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}};
    CHECK(parse_error(j) == "config.json: process.ioPriority.priority: is required");
}

TEST_CASE("parse: process optional fields") {
    json j = base();
    j["process"].update(json::parse(R"({
        "terminal": true, "consoleSize": {"height": 25, "width": 80},
        "user": {"uid": 1, "gid": 2, "umask": 18, "additionalGids": [3, 4]},
        "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 3, "flags": ["SCHED_FLAG_RECLAIM"],
                      "runtime": 10, "deadline": 20, "period": 30},
        "execCPUAffinity": {"initial": "7", "final": "0-3,7"},
        "selinuxLabel": "l", "commandLine": "c"})"));
    oci::Process p = *oci::parse_config(j).process;
    CHECK(p.terminal);
    CHECK(p.consoleSize->width == 80);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additionalGids.size() == 2);
    CHECK(p.scheduler->policy == "SCHED_DEADLINE");
    CHECK(p.scheduler->nice == -5);
    CHECK(p.scheduler->period == 30u);
    CHECK(p.execCPUAffinity->initial == "7");
    CHECK(p.execCPUAffinity->final_ == "0-3,7");
    CHECK(p.selinuxLabel == "l");
    CHECK(p.commandLine == "c");
}

TEST_CASE("parse: user with only a username (Windows form)") {
    json j = base();
    j["process"]["user"] = {{"username", "admin"}};
    oci::Config c = oci::parse_config(j);
    CHECK(c.process->user.username == "admin");
    CHECK(c.process->user.uid == 0);
}

TEST_CASE("parse: hooks") {
    json j = base();
    j["hooks"]["createRuntime"] = json::parse(R"([{"path": "/bin/a", "timeout": 3}, {"args": ["x"]}])");
    CHECK(parse_error(j) == "config.json: hooks.createRuntime[1].path: is required");
    j["hooks"]["createRuntime"][1]["path"] = "/bin/b";
    j["hooks"]["startContainer"] = json::parse(R"([{"path": "/bin/c", "env": ["A=1"]}])");
    oci::Config c = oci::parse_config(j);
    CHECK(c.hooks.createRuntime[0].timeout == 3);
    CHECK(c.hooks.createRuntime[1].args == std::vector<std::string>{"x"});
    CHECK(c.hooks.startContainer[0].env == std::vector<std::string>{"A=1"});
    j["hooks"]["poststop"] = json::object();
    CHECK(parse_error(j) == "config.json: hooks.poststop: must be an array");
}

TEST_CASE("parse: namespaces") {
    json j = base();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "network", "path": "/var/run/netns/x"}, {"path": "/p"}])");
    CHECK(parse_error(j) == "config.json: linux.namespaces[1].type: is required");
    j["linux"]["namespaces"].erase(1);
    oci::Config c = oci::parse_config(j);
    CHECK(c.linux->namespaces[0].path == "/var/run/netns/x");
}

TEST_CASE("parse: devices need major and minor unless type p") {
    json j = base();
    j["linux"]["devices"] = json::parse(R"([{"type": "p", "path": "/dev/fifo"}, {"type": "c", "path": "/dev/x", "major": 1}])");
    CHECK(parse_error(j) == "config.json: linux.devices[1].minor: is required");
    j["linux"]["devices"][1]["minor"] = 3;
    oci::Config c = oci::parse_config(j);
    CHECK(c.linux->devices[0].major == 0);
    CHECK(c.linux->devices[1].minor == 3);
    j["linux"]["devices"][1]["uid"] = -1;
    CHECK(parse_error(j) == "config.json: linux.devices[1].uid: must be an unsigned 32-bit integer");
}

TEST_CASE("parse: seccomp") {
    json j = base();
    j["linux"]["seccomp"] = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/l", "listenerMetadata": "m",
        "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "errnoRet": 2,
                      "args": [{"index": 0, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]}]})");
    oci::Seccomp s = *oci::parse_config(j).linux->seccomp;
    CHECK(s.defaultErrnoRet == 1u);
    CHECK(s.listenerMetadata == "m");
    CHECK(s.syscalls[0].errnoRet == 2u);
    CHECK(s.syscalls[0].args[0].value == 255u);
    CHECK(s.syscalls[0].args[0].valueTwo == 4u);
    j["linux"]["seccomp"]["syscalls"][0]["args"][0].erase("op");
    CHECK(parse_error(j) == "config.json: linux.seccomp.syscalls[0].args[0].op: is required");
    j["linux"]["seccomp"].erase("defaultAction");
    CHECK(parse_error(j) == "config.json: linux.seccomp.defaultAction: is required");
}

TEST_CASE("parse: remaining linux sections") {
    json j = base();
    j["linux"].update(json::parse(R"({
        "personality": {"domain": "LINUX32"},
        "memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]},
        "intelRdt": {"closID": "g", "schemata": ["L3:0=7f0"], "enableMonitoring": true},
        "netDevices": {"eth0": {"name": "ceth0"}, "ens4": {}},
        "rootfsPropagation": "rslave"})"));
    oci::Linux l = *oci::parse_config(j).linux;
    CHECK(l.personality->domain == "LINUX32");
    CHECK(l.memoryPolicy->nodes == "0-1");
    CHECK(l.intelRdt->enableMonitoring == true);
    CHECK(l.intelRdt->schemata.size() == 1);
    CHECK(l.netDevices.at("eth0").name == "ceth0");
    CHECK_FALSE(l.netDevices.at("ens4").name);
    j["linux"]["personality"] = json::object();
    CHECK(parse_error(j) == "config.json: linux.personality.domain: is required");
}

TEST_CASE("parse: resources sections and REQUIRED fields") {
    json j = base();
    j["linux"]["resources"] = json::parse(R"({"pids": {}})");
    CHECK(parse_error(j) == "config.json: linux.resources.pids.limit: is required");
    j["linux"]["resources"] = json::parse(R"({"devices": [{"access": "rwm"}]})");
    CHECK(parse_error(j) == "config.json: linux.resources.devices[0].allow: is required");
    j["linux"]["resources"] = json::parse(R"({"hugepageLimits": [{"pageSize": "2MB"}]})");
    CHECK(parse_error(j) == "config.json: linux.resources.hugepageLimits[0].limit: is required");
    j["linux"]["resources"] = json::parse(R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}})");
    CHECK(parse_error(j) == "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required");
    j["linux"]["resources"] = json::parse(R"({"network": {"priorities": [{"name": "eth0"}]}})");
    CHECK(parse_error(j) == "config.json: linux.resources.network.priorities[0].priority: is required");
}

TEST_CASE("parse: unified and rdma maps") {
    json j = base();
    j["linux"]["resources"] = json::parse(R"({"unified": {"memory.high": "1G"}, "rdma": {"mlx5_1": {"hcaHandles": 3}}})");
    oci::Resources r = *oci::parse_config(j).linux->resources;
    CHECK(r.unified.at("memory.high") == "1G");
    CHECK(r.rdma.at("mlx5_1").hcaHandles == 3u);
    j["linux"]["resources"]["unified"]["cpu.max"] = 100000;
    CHECK(parse_error(j) == "config.json: linux.resources.unified[\"cpu.max\"]: must be a string");
}

TEST_CASE("parse_process: paths are relative to the document") {
    json p = json::parse(R"({"cwd": "/", "args": ["sh", 1]})");
    CHECK_THROWS_WITH_AS(oci::parse_process(p), "process.json: args[1]: must be a string", oci::SpecError);
    p["args"][1] = "-c";
    oci::Process proc = oci::parse_process(p);
    CHECK(proc.args.size() == 2);
    CHECK_THROWS_WITH_AS(oci::parse_process(json::parse(R"({"args": ["sh"]})"), "p.json"), "p.json: cwd: is required",
                         oci::SpecError);
    CHECK_THROWS_WITH_AS(oci::parse_process(json::array()), "process.json: must be a JSON object", oci::SpecError);
}

TEST_CASE("parse_resources: paths are relative to the document") {
    json r = json::parse(R"({"memory": {"limit": "x"}})");
    CHECK_THROWS_WITH_AS(oci::parse_resources(r), "resources.json: memory.limit: must be a 64-bit integer",
                         oci::SpecError);
    r["memory"]["limit"] = 1024;
    r["pids"]["limit"] = 10;
    oci::Resources res = oci::parse_resources(r);
    CHECK(res.memory->limit == 1024);
    CHECK(res.pids->limit == 10);
}
