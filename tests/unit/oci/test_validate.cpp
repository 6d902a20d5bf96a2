// validate(): config.md rules (version, root, process, mounts, hooks,
// annotations).
#include <doctest/doctest.h>

#include "helpers.hpp"

using test::base;
using test::error_of;
using test::json;

TEST_CASE("validate: the base config is valid") { CHECK(error_of(base()) == ""); }

TEST_CASE("validate: supported ociVersions") {
    for (const char* v : {"1.0.0", "1.0.1", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0", "1.3.7", "1.3.0+build.5",
                          "1.0.0-rc5", "1.2.0-rc.1+meta"}) {
        CAPTURE(v);
        json j = base();
        j["ociVersion"] = v;
        CHECK(error_of(j) == "");
    }
}

TEST_CASE("validate: unsupported ociVersions") {
    for (const char* v : {"0.5.0-dev", "0.1.0", "1.4.0", "2.0.0", "1.10.0", "1.0", "1", "", "1.0.0.0", "01.0.0",
                          "1.00.0", "1.0.0-", "1.0.0-a..b", "1.0.0-01", "1.0.0+", "v1.0.0", "1.0.0 "}) {
        CAPTURE(v);
        json j = base();
        j["ociVersion"] = v;
        CHECK(error_of(j) ==
              std::string("config.json: unsupported ociVersion \"") + v + "\": ucrun supports 1.0.0 to 1.3.x");
    }
}

TEST_CASE("validate: root.path must not be empty") {
    json j = base();
    j["root"]["path"] = "";
    CHECK(error_of(j) == "config.json: root.path: must not be empty");
}

TEST_CASE("validate: process is optional") {
    json j = base();
    j.erase("process");
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: process.args must not be empty") {
    json j = base();
    j["process"]["args"] = json::array();
    CHECK(error_of(j) == "config.json: process.args: must not be empty");
    j["process"].erase("args");
    CHECK(error_of(j) == "config.json: process.args: must not be empty");
}

TEST_CASE("validate: process.cwd must be absolute") {
    json j = base();
    j["process"]["cwd"] = "home";
    CHECK(error_of(j) == "config.json: process.cwd: must be an absolute path");
    j["process"]["cwd"] = "";
    CHECK(error_of(j) == "config.json: process.cwd: must be an absolute path");
}

TEST_CASE("validate: capability names") {
    json j = base();
    j["process"]["capabilities"] = json::parse(R"({"bounding": ["CAP_KILL", "CAP_CHECKPOINT_RESTORE", "CAP_FOO"]})");
    // config.md: capabilities that cannot be granted are a warning, not an error.
    CHECK(error_of(j) == "");
    j["process"]["capabilities"] = json::parse(R"({"ambient": ["cap_kill"]})");
    CHECK(error_of(j) == "");
    j["process"]["capabilities"] = json::parse(R"({"ambient": [""]})");
    CHECK(error_of(j) == "config.json: process.capabilities.ambient[0]: empty capability name");
    j["process"]["capabilities"] = json::parse(R"({"effective": [], "permitted": ["CAP_SYS_ADMIN"],
        "inheritable": ["CAP_BPF", "CAP_PERFMON"]})");
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: rlimit types") {
    json j = base();
    j["process"]["rlimits"] = json::parse(R"([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2},
        {"type": "RLIMIT_FOO", "soft": 1, "hard": 1}])");
    CHECK(error_of(j) == "config.json: process.rlimits[1].type: unknown rlimit type \"RLIMIT_FOO\"");
}

TEST_CASE("validate: duplicate rlimit types") {
    json j = base();
    j["process"]["rlimits"] = json::parse(R"([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2},
        {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}])");
    CHECK(error_of(j) == "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\"");
}

TEST_CASE("validate: rlimit soft must not exceed hard") {
    json j = base();
    j["process"]["rlimits"] = json::parse(R"([{"type": "RLIMIT_CORE", "soft": 2048, "hard": 1024}])");
    CHECK(error_of(j) == "config.json: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024");
}

TEST_CASE("validate: oomScoreAdj range") {
    json j = base();
    j["process"]["oomScoreAdj"] = 1001;
    CHECK(error_of(j) == "config.json: process.oomScoreAdj: must be between -1000 and 1000");
    j["process"]["oomScoreAdj"] = -1000;
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: scheduler policy, flags, nice") {
    json j = base();
    j["process"]["scheduler"] = {{"policy", "SCHED_FOO"}};
    CHECK(error_of(j) == "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
    j["process"]["scheduler"] = json::parse(R"({"policy": "SCHED_FIFO", "flags": ["SCHED_FLAG_RECLAIM", "X"]})");
    CHECK(error_of(j) == "config.json: process.scheduler.flags[1]: unknown scheduler flag \"X\"");
    j["process"]["scheduler"] = json::parse(R"({"policy": "SCHED_OTHER", "nice": 20})");
    CHECK(error_of(j) == "config.json: process.scheduler.nice: must be between -20 and 19");
    for (const char* p : {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
                          "SCHED_DEADLINE"}) {
        j["process"]["scheduler"] = {{"policy", p}};
        CHECK(error_of(j) == "");
    }
}

TEST_CASE("validate: ioPriority") {
    json j = base();
    j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_NONE"}, {"priority", 0}};
    CHECK(error_of(j) == "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
    j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}, {"priority", 8}};
    CHECK(error_of(j) == "config.json: process.ioPriority.priority: must be between 0 and 7");
    j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_RT"}, {"priority", -1}};
    CHECK(error_of(j) == "config.json: process.ioPriority.priority: must be between 0 and 7");
    j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 7}};
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: execCPUAffinity lists") {
    json j = base();
    j["process"]["execCPUAffinity"] = {{"initial", "0-3,7"}, {"final", ""}};
    CHECK(error_of(j) == "");
    j["process"]["execCPUAffinity"] = {{"initial", "3-1"}};
    CHECK(error_of(j) == "config.json: process.execCPUAffinity.initial: invalid CPU list \"3-1\"");
    j["process"]["execCPUAffinity"] = {{"final", "0,,1"}};
    CHECK(error_of(j) == "config.json: process.execCPUAffinity.final: invalid CPU list \"0,,1\"");
}

TEST_CASE("validate_process: standalone document paths") {
    oci::Process p = oci::parse_process(json::parse(R"({"cwd": "rel", "args": ["sh"]})"));
    CHECK_THROWS_WITH_AS(oci::validate_process(p, "process.json", ""), "process.json: cwd: must be an absolute path",
                         oci::SpecError);
    // (a second document rather than `p.cwd = "/"`, which trips GCC 12's
    // -Wrestrict false positive at -O2)
    oci::Process q = oci::parse_process(json::parse(R"({"cwd": "/", "args": []})"));
    CHECK_THROWS_WITH_AS(oci::validate_process(q, "process.json", ""), "process.json: args: must not be empty",
                         oci::SpecError);
}

TEST_CASE("validate: mount destination must be absolute") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/proc", "type": "proc"}, {"destination": "dev"}])");
    CHECK(error_of(j) == "config.json: mounts[1].destination: must be an absolute path");
}

TEST_CASE("validate: mount options must not be empty strings") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/tmp", "type": "tmpfs", "options": ["nosuid", ""]}])");
    CHECK(error_of(j) == "config.json: mounts[0].options[1]: must not be empty");
}

TEST_CASE("validate: filesystem data options pass through on non-bind mounts") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/tmp", "type": "tmpfs",
        "options": ["nosuid", "mode=1777", "size=64k", "huge=within_size", "noswap", "whatever"]}])");
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: unknown options on bind mounts are refused") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/data", "source": "/v", "options": ["rbind", "nosiud"]}])");
    CHECK(error_of(j) == "config.json: mounts[0].options[1]: unknown mount option \"nosiud\" for a bind mount");
    j["mounts"][0]["options"] = {"bind", "ro", "rprivate", "nosuid", "nodev", "noexec", "rro", "tmpcopyup"};
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: mount uidMappings and gidMappings go together") {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 10}])");
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    j["mounts"] = json::parse(R"([{"destination": "/d", "source": "/s", "options": ["bind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}])");
    CHECK(error_of(j) == "config.json: mounts[0]: uidMappings and gidMappings must be specified together");
    j["mounts"][0]["gidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 0}])");
    CHECK(error_of(j) == "config.json: mounts[0].gidMappings[0].size: must be greater than 0");
    j["mounts"][0]["gidMappings"][0]["size"] = 10;
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: idmap on bind and tmpfs mounts only") {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 10}])");
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    j["mounts"] = json::parse(R"([{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}])");
    CHECK(error_of(j) == "");
    j["mounts"][0]["type"] = "proc";
    CHECK(error_of(j) == "config.json: mounts[0]: idmap is supported for bind and tmpfs mounts only, not for a \"proc\" mount");
    // Mappings alone ask for an idmap too.
    j["mounts"] = json::parse(R"([{"destination": "/q", "type": "mqueue", "source": "mqueue",
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}])");
    CHECK(error_of(j) == "config.json: mounts[0]: idmap is supported for bind and tmpfs mounts only, not for a \"mqueue\" mount");
    j["mounts"] = json::parse(R"([{"destination": "/t", "type": "tmpfs", "options": ["remount", "idmap"]}])");
    CHECK(error_of(j) == "config.json: mounts[0]: idmap is supported for bind and tmpfs mounts only, not with remount");
    j["mounts"] = json::parse(R"([{"destination": "/p", "type": "proc", "source": "/proc", "options": ["bind", "idmap"]}])");
    CHECK(error_of(j) == "");  // a bind: the kernel decides (mount/idmap.cpp)
}

TEST_CASE("validate: idmap mounts need mappings or a user namespace") {
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/d", "source": "/s", "options": ["rbind", "ridmap"]}])");
    CHECK(error_of(j) == "config.json: mounts[0].options: idmap requires uidMappings and gidMappings or a user namespace");
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 1000, "size": 10}])");
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: hook paths must be absolute") {
    json j = base();
    j["hooks"]["prestart"] = json::parse(R"([{"path": "/bin/a"}, {"path": "bin/b"}])");
    CHECK(error_of(j) == "config.json: hooks.prestart[1].path: must be an absolute path");
    j = base();
    j["hooks"]["poststop"] = json::parse(R"([{"path": "x"}])");
    CHECK(error_of(j) == "config.json: hooks.poststop[0].path: must be an absolute path");
}

TEST_CASE("validate: hook timeout must be positive") {
    json j = base();
    j["hooks"]["poststart"] = json::parse(R"([{"path": "/bin/a", "timeout": 0}])");
    CHECK(error_of(j) == "config.json: hooks.poststart[0].timeout: must be greater than 0");
    j["hooks"]["poststart"][0]["timeout"] = -3;
    CHECK(error_of(j) == "config.json: hooks.poststart[0].timeout: must be greater than 0");
    j["hooks"]["poststart"][0]["timeout"] = 1;
    CHECK(error_of(j) == "");
}

TEST_CASE("validate: every hook kind is checked") {
    for (const char* kind : {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                             "poststop"}) {
        json j = base();
        j["hooks"][kind] = json::parse(R"([{"path": "rel"}])");
        CHECK(error_of(j) == std::string("config.json: hooks.") + kind + "[0].path: must be an absolute path");
    }
}

TEST_CASE("validate: annotation keys must not be empty") {
    json j = base();
    j["annotations"] = {{"", "x"}};
    CHECK(error_of(j) == "config.json: annotations[\"\"]: key must not be empty");
}

TEST_CASE("validate: SpecError exposes document, path and reason") {
    json j = base();
    j["process"]["cwd"] = "x";
    try {
        oci::validate(oci::parse_config(j, "b/config.json"), "b/config.json");
        FAIL("no exception");
    } catch (const oci::SpecError& e) {
        CHECK(e.document() == "b/config.json");
        CHECK(e.path() == "process.cwd");
        CHECK(e.reason() == "must be an absolute path");
    }
}
