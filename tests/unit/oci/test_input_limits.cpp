// Hostile input (issue 11): NUL bytes, nesting depth, oversized strings,
// ids above INT32_MAX, host root mappings, the one mount option parser.
#include <doctest/doctest.h>

#include <linux/mount.h>
#include <sys/mount.h>

#include "helpers.hpp"
#include "oci/limits.hpp"
#include "oci/mount_options.hpp"

using test::base;
using test::error_of;
using test::json;
using test::parse_error;

namespace {

std::string nul(const char* a, const char* b) { return std::string(a) + '\0' + b; }

std::string text_error(const std::string& text) {
    try {
        oci::parse_config(text);
    } catch (const oci::SpecError& e) {
        return e.what();
    }
    return "";
}

std::string host_root_error(const json& j, bool allowed) {
    try {
        oci::check_host_root_mapping(oci::parse_config(j), allowed);
    } catch (const oci::SpecError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("limits: a NUL byte in any string names the field") {
    json j = base();
    j["process"]["args"] = {"sh", nul("visible", "hidden")};
    CHECK(parse_error(j) == "config.json: process.args[1]: must not contain a NUL byte");

    j = base();
    j["process"]["env"] = {nul("A=1", "B=2")};
    CHECK(parse_error(j) == "config.json: process.env[0]: must not contain a NUL byte");

    j = base();
    j["process"]["cwd"] = nul("/", "x");
    CHECK(parse_error(j) == "config.json: process.cwd: must not contain a NUL byte");

    j = base();
    j["mounts"] = json::array({{{"destination", nul("/tmp", "/evil")}, {"type", "tmpfs"}}});
    CHECK(parse_error(j) == "config.json: mounts[0].destination: must not contain a NUL byte");
    j["mounts"][0]["destination"] = "/tmp";
    j["mounts"][0]["options"] = {"nosuid", nul("mode=755", "x")};
    CHECK(parse_error(j) == "config.json: mounts[0].options[1]: must not contain a NUL byte");

    j = base();
    j["hostname"] = nul("a", "b");
    CHECK(parse_error(j) == "config.json: hostname: must not contain a NUL byte");

    j = base();
    j["hooks"]["prestart"] = json::array({{{"path", "/bin/true"}, {"args", {"true", nul("x", "y")}}}});
    CHECK(parse_error(j) == "config.json: hooks.prestart[0].args[1]: must not contain a NUL byte");

    // Map keys and values; the key is shown escaped.
    j = base();
    j["annotations"] = {{"k", nul("v", "w")}};
    CHECK(parse_error(j) == "config.json: annotations[\"k\"]: must not contain a NUL byte");
    j["annotations"] = {{nul("k", "x"), "v"}};
    CHECK(parse_error(j) == "config.json: annotations[\"k\\x00x\"]: key must not contain a NUL byte");
    j = base();
    j["linux"]["sysctl"] = {{nul("net.a", "b"), "1"}};
    CHECK(parse_error(j) == "config.json: linux.sysctl[\"net.a\\x00b\"]: key must not contain a NUL byte");

    // The same rule for exec --process.
    json p = {{"cwd", "/"}, {"args", {nul("a", "b")}}};
    CHECK_THROWS_WITH_AS(oci::parse_process(p, "p.json"), "p.json: args[0]: must not contain a NUL byte",
                         oci::SpecError);
}

TEST_CASE("limits: nesting deeper than 10000 is refused before parsing") {
    auto nested = [](size_t depth, char open, char close) {
        return std::string(depth, open) + std::string(depth, close);
    };
    const std::string limit = "config.json: invalid JSON: nested deeper than the limit of 10000 levels";
    CHECK(text_error(nested(10001, '[', ']')) == limit);
    CHECK(text_error(nested(3000000, '[', ']')) == limit);
    // Unbalanced too: the depth is reached before the end.
    CHECK(text_error(std::string(20000, '[')) == limit);
    std::string objects;
    for (int i = 0; i < 10001; ++i) objects += "{\"a\":";
    objects += "1" + std::string(10001, '}');
    CHECK(text_error(objects) == limit);

    // 10000 levels are within the limit (an unknown key of config.json).
    json j = base();
    std::string deep = nested(9999, '[', ']');
    std::string text = j.dump();
    text.insert(1, "\"x-deep\":" + deep + ",");
    CHECK(text_error(text) == "");
    // Brackets inside strings (and escaped quotes) do not count.
    j = base();
    j["annotations"] = {{"a", "\\\"" + std::string(20000, '[')}};
    CHECK(text_error(j.dump()) == "");
}

TEST_CASE("limits: the state store's parse (the dom's) has the same guard") {
    CHECK_THROWS_WITH_AS(oci::parse_dom(std::string(10001, '[') + std::string(10001, ']'), "state.json"),
                         "state.json: invalid JSON: nested deeper than the limit of 10000 levels", oci::SpecError);
    CHECK_THROWS_AS(oci::parse_dom("{]", "state.json"), oci::SpecError);
    CHECK(oci::parse_dom(R"({"a": [[1]]})", "state.json").root().find("a")->size() == 1);
}

TEST_CASE("limits: invalid JSON messages are bounded") {
    std::string text = "{\"a\": \"" + std::string(200000, 'x') + "\x01\"}";
    std::string e = text_error(text);
    CHECK(e.rfind("config.json: invalid JSON: ", 0) == 0);
    CHECK(e.size() < 400);
}

TEST_CASE("limits: hostname and domainname at most 64 bytes") {
    json j = base();
    j["hostname"] = std::string(64, 'h');
    j["domainname"] = std::string(64, 'd');
    CHECK(error_of(j) == "");
    j["hostname"] = std::string(1 << 20, 'h');
    CHECK(error_of(j) == "config.json: hostname: must be at most 64 bytes, has 1048576");
    j["hostname"] = "h";
    j["domainname"] = std::string(65, 'd');
    CHECK(error_of(j) == "config.json: domainname: must be at most 64 bytes, has 65");
}

TEST_CASE("limits: strings above 1 MiB are refused while parsing") {
    json j = base();
    j["annotations"] = {{"k", std::string((1 << 20) + 1, 'v')}};
    CHECK(parse_error(j) == "config.json: annotations[\"k\"]: must be at most 1048576 bytes");
}

TEST_CASE("limits: args and env, each and together") {
    json j = base();
    j["process"]["args"] = {"sh", std::string(131071, 'a')};
    CHECK(error_of(j) == "");
    j["process"]["args"][1] = std::string(131072, 'a');
    CHECK(error_of(j) == "config.json: process.args[1]: must be at most 131071 bytes, has 131072");
    j = base();
    j["process"]["env"] = {"A=" + std::string(200000, 'x')};
    CHECK(error_of(j) == "config.json: process.env[0]: must be at most 131071 bytes, has 200002");
    j = base();
    j["process"]["env"] = json::array();
    for (int i = 0; i < 9; ++i) j["process"]["env"].push_back("E" + std::to_string(i) + "=" + std::string(120000, 'x'));
    CHECK(error_of(j) == "config.json: process: args and env together must be at most 1048576 bytes, have 1080039");
    j = base();
    j["hooks"]["poststop"] = json::array({{{"path", "/bin/true"}, {"env", {std::string(131072, 'e')}}}});
    CHECK(error_of(j) == "config.json: hooks.poststop[0].env[0]: must be at most 131071 bytes, has 131072");
}

TEST_CASE("limits: paths, annotations") {
    json j = base();
    j["process"]["cwd"] = "/" + std::string(4095, 'c');
    CHECK(error_of(j) == "config.json: process.cwd: must be at most 4095 bytes, has 4096");
    j = base();
    j["process"]["args"] = {"/" + std::string(4095, 'a')};
    CHECK(error_of(j) == "config.json: process.args[0]: must be at most 4095 bytes, has 4096");
    j = base();
    j["mounts"] = json::array({{{"destination", "/" + std::string(5000, 'd')}, {"type", "tmpfs"}}});
    CHECK(error_of(j) == "config.json: mounts[0].destination: must be at most 4095 bytes, has 5001");
    j = base();
    j["annotations"] = {{std::string(5000, 'k'), "v"}};
    std::string e = error_of(j);
    CHECK(e.rfind("config.json: annotations[\"kkkk", 0) == 0);
    CHECK(e.find("(5000 bytes)]: must be at most 4096 bytes, has 5000") != std::string::npos);
    CHECK(e.size() < 200);
    j = base();
    for (int i = 0; i < 3; ++i) j["annotations"]["k" + std::to_string(i)] = std::string(400000, 'v');
    CHECK(error_of(j) ==
          "config.json: annotations: keys and values together must be at most 1048576 bytes, have 1200006");
}

TEST_CASE("limits: values quoted in errors are bounded and escaped") {
    json j = base();
    j["process"]["rlimits"] = json::array({{{"type", std::string(128 * 1024, 'R')}, {"soft", 1}, {"hard", 1}}});
    std::string e = error_of(j);
    CHECK(e.size() < 200);
    CHECK(e.find("... (131072 bytes)") != std::string::npos);
    j["process"]["rlimits"][0]["type"] = "a\x1b[31mb";
    CHECK(error_of(j) == "config.json: process.rlimits[0].type: unknown rlimit type \"a\\x1b[31mb\"");
}

TEST_CASE("limits: uids and gids above 2147483647 are refused (runc's words)") {
    const std::string why = "uids and gids must be in range 0-2147483647";
    json j = base();
    j["process"]["user"] = {{"uid", 2147483647u}, {"gid", 2147483647u}, {"additionalGids", {0, 2147483647u}}};
    CHECK(error_of(j) == "");
    j["process"]["user"]["uid"] = 4294967295u;
    CHECK(error_of(j) == "config.json: process.user.uid: " + why);
    j["process"]["user"]["uid"] = 0;
    j["process"]["user"]["gid"] = 2147483648u;
    CHECK(error_of(j) == "config.json: process.user.gid: " + why);
    j["process"]["user"]["gid"] = 0;
    j["process"]["user"]["additionalGids"] = {1, 4294967295u};
    CHECK(error_of(j) == "config.json: process.user.additionalGids[1]: " + why);

    // exec --process: the document's own root.
    oci::Process p = oci::parse_process(json{{"cwd", "/"}, {"args", {"sh"}}, {"user", {{"uid", 4294967295u}, {"gid", 0}}}});
    CHECK_THROWS_WITH_AS(oci::validate_process(p, "p.json", ""), ("p.json: user.uid: " + why).c_str(), oci::SpecError);
}

TEST_CASE("limits: host root is never mapped without the operator's opt-in") {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 100000, "size": 65536}])");
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    CHECK(host_root_error(j, false) == "");

    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 0, "size": 1}])");
    CHECK(host_root_error(j, false) ==
          "config.json: linux.uidMappings[0]: maps host root (uid 0) into the user namespace; "
          "pass --allow-host-root-mapping to ucrun to allow it");
    CHECK(host_root_error(j, true) == "");

    // A second range that maps a container id onto host 0.
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 100000, "size": 1000},
                                               {"containerID": 1000, "hostID": 0, "size": 1}])");
    CHECK(host_root_error(j, false).rfind("config.json: linux.uidMappings[1]: maps host root (uid 0)", 0) == 0);
    j["linux"]["uidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 100000, "size": 65536}])");
    j["linux"]["gidMappings"] = json::parse(R"([{"containerID": 0, "hostID": 0, "size": 65536}])");
    CHECK(host_root_error(j, false).rfind("config.json: linux.gidMappings[0]: maps host root (gid 0)", 0) == 0);
    CHECK(host_root_error(j, true) == "");

    // An annotation is the bundle author's word, not the operator's.
    j["annotations"] = {{"run.ucrun.allow-host-root-mapping", "true"}};
    CHECK(host_root_error(j, false).rfind("config.json: linux.gidMappings[0]", 0) == 0);
}

TEST_CASE("mount options: one parser for validation and mounting") {
    auto mnt = [](std::vector<std::string> opts, std::optional<std::string> type = "none") {
        oci::Mount m;
        m.destination = "/d";
        m.source = "/s";
        m.type = std::move(type);
        m.options = std::move(opts);
        return m;
    };
    auto error = [](const oci::Mount& m) {
        try {
            oci::parse_mount_options(m, "mounts[2]");
        } catch (const oci::SpecError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    // A typo on a bind mount, given by option or by type.
    CHECK(error(mnt({"bind", "nosiud"})) == "config.json: mounts[2].options[1]: unknown mount option \"nosiud\" for a bind mount");
    CHECK(error(mnt({"nosiud"}, "bind")) == "config.json: mounts[2].options[0]: unknown mount option \"nosiud\" for a bind mount");
    CHECK(error(mnt({"ro", "mode=755"}, "bind")) ==
          "config.json: mounts[2].options[1]: unknown mount option \"mode=755\" for a bind mount");
    // Known options on a bind mount.
    auto o = oci::parse_mount_options(mnt({"rbind", "ro", "nosuid", "rprivate", "rnodev", "idmap"}), "m");
    CHECK(o.bind);
    CHECK(o.recursive);
    CHECK(o.idmap);
    CHECK((o.flags & (MS_RDONLY | MS_NOSUID)) == (MS_RDONLY | MS_NOSUID));
    CHECK((o.attr_set & (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID)) == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    CHECK(o.rattr_set == MOUNT_ATTR_NODEV);
    CHECK(o.propagation == std::vector<unsigned long>{MS_PRIVATE | MS_REC});
    CHECK(o.data.empty());
    // Filesystem data on a new filesystem goes to the filesystem.
    o = oci::parse_mount_options(mnt({"nosuid", "mode=755", "size=64k", "newinstance"}, "tmpfs"), "m");
    CHECK_FALSE(o.bind);
    CHECK(o.data == std::vector<std::string>{"mode=755", "size=64k", "newinstance"});
    CHECK(o.data_string() == "mode=755,size=64k,newinstance");
    // ... within what fsconfig(2) takes.
    CHECK(error(mnt({"size=" + std::string(256, '1')}, "tmpfs")).rfind(
              "config.json: mounts[2].options[0]: filesystem option \"size=111", 0) == 0);
    CHECK(error(mnt({"size=" + std::string(255, '1')}, "tmpfs")) == "");
    CHECK(error(mnt({"nosuid", ""}, "tmpfs")) == "config.json: mounts[2].options[1]: must not be empty");

    // validate() refuses what mounting would drop.
    json j = base();
    j["mounts"] = json::parse(R"([{"destination": "/data", "type": "bind", "source": "/v", "options": ["nosiud"]}])");
    CHECK(error_of(j) == "config.json: mounts[0].options[0]: unknown mount option \"nosiud\" for a bind mount");

    // The names features lists are the names the parser knows.
    for (const auto& name : oci::spec_mount_option_names(true)) {
        CAPTURE(name);
        CHECK(oci::is_spec_mount_option(name));
        CHECK(error(mnt({"bind", name})) == "");
    }
    CHECK_FALSE(oci::is_spec_mount_option("nosiud"));
}
