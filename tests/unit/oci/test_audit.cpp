// oci::audit: each finding of `ucrun check` from a minimal config, the order
// of the report and a hardened config without high or medium findings.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "oci/audit.hpp"

using test::json;
using namespace oci::audit;

namespace {

// Every hardening in place: user namespace with an unprivileged mapping,
// all namespaces, seccomp deny-by-default, masked and read-only paths,
// noNewPrivileges, an AppArmor profile, no dangerous capability.
json hardened() {
    return json::parse(R"({
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs", "readonly": true},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0},
                    "noNewPrivileges": true, "apparmorProfile": "ucrun-default",
                    "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
                                     "permitted": ["CAP_CHOWN", "CAP_KILL"]}},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid"]},
                   {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}],
        "linux": {
            "namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                           {"type": "uts"}, {"type": "cgroup"}, {"type": "user"}],
            "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
                        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]},
            "maskedPaths": ["/proc/kcore", "/proc/keys"],
            "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
        }
    })");
}

std::vector<Finding> run(const json& j, const HostFacts& host = {}) { return audit(oci::parse_config(j), host); }

const Finding* find(const std::vector<Finding>& fs, const std::string& id, const std::string& path = "") {
    for (const auto& f : fs)
        if (f.id == id && (path.empty() || f.path == path)) return &f;
    return nullptr;
}

json bind(const std::string& src, bool ro = false, const char* kind = "bind") {
    json m = {{"destination", "/mnt"}, {"type", "bind"}, {"source", src},
              {"options", json::array({kind})}};
    if (ro) m["options"].push_back("ro");
    return m;
}

}  // namespace

TEST_CASE("a hardened config has no high or medium finding") {
    auto fs = run(hardened());
    for (const auto& f : fs) {
        INFO(f.id << " " << f.path << " " << f.message);
        CHECK(f.severity < Severity::medium);
    }
    CHECK(fs.empty());
}

TEST_CASE("no user namespace: container root is host root (high), with the remap hook's path") {
    json j = hardened();
    j["linux"]["namespaces"].erase(6);
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    auto fs = run(j);
    REQUIRE(!fs.empty());
    CHECK(fs[0].id == "no-userns");
    CHECK(fs[0].severity == Severity::high);
    CHECK(fs[0].path == "linux.namespaces");
}

TEST_CASE("joining the host's own user namespace counts as none") {
    json j = hardened();
    j["linux"]["namespaces"][6]["path"] = "/proc/1/ns/user";
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    HostFacts host;
    host.host_namespace = {false, false, false, false, false, false, true};
    auto fs = run(j, host);
    auto f = find(fs, "no-userns");
    REQUIRE(f);
    CHECK(f->path == "linux.namespaces[6].path");
    CHECK(find(run(j), "userns-joined"));  // not the host's: its mappings are unknown
}

TEST_CASE("a mapping that contains host id 0 is high") {
    json j = hardened();
    j["linux"]["gidMappings"].push_back({{"containerID", 70000}, {"hostID", 0}, {"size", 1}});
    auto fs = run(j);
    auto f = find(fs, "host-root-mapped");
    REQUIRE(f);
    CHECK(f->severity == Severity::high);
    CHECK(f->path == "linux.gidMappings[1]");
    CHECK(f->message.find("gid 0") != std::string::npos);
}

TEST_CASE("writable host binds: worst first, resolved path judged, read-only lower") {
    json j = hardened();
    j["mounts"] = json::array({bind("/home/u"), bind("/etc"), bind("/var/run/docker.sock"), bind("/boot", true),
                               bind("/"), bind("/tmp/../etc/", true)});
    HostFacts host;
    host.mount_sources.resize(6);
    // /home/u is a symlink to /etc on this host: the target is what counts.
    host.mount_sources[0] = HostPath{"/etc", HostPath::Kind::directory};
    auto fs = run(j, host);
    std::vector<std::string> order;
    for (const auto& f : fs)
        if (f.id.rfind("host-", 0) == 0 && f.id != "host-root-mapped") order.push_back(f.path);
    CHECK(order == std::vector<std::string>{"mounts[4]", "mounts[0]", "mounts[1]", "mounts[2]", "mounts[5]",
                                            "mounts[3]"});
    CHECK(find(fs, "host-path-rw", "mounts[4]")->severity == Severity::high);
    CHECK(find(fs, "host-path-rw", "mounts[0]")->message.find("\"/etc\"") != std::string::npos);
    CHECK(find(fs, "host-path-rw", "mounts[2]")->severity == Severity::high);
    CHECK(find(fs, "host-path-ro", "mounts[5]")->severity == Severity::medium);  // /tmp/../etc folded
    CHECK(find(fs, "host-path-ro", "mounts[3]")->severity == Severity::low);     // /boot read-only
}

TEST_CASE("an rbind of / is the worst finding of all, read-only or not") {
    json j = hardened();
    j["mounts"] = json::array({bind("/etc"), bind("/", true, "rbind")});
    j["linux"]["namespaces"].erase(1);  // host pid: high as well, but after the rbind
    auto fs = run(j);
    REQUIRE(fs.size() >= 3);
    CHECK(fs[0].id == "host-root-rbind");
    CHECK(fs[0].path == "mounts[1]");
    CHECK(fs[1].id == "host-path-rw");
}

TEST_CASE("engine sockets stay high read-only; device nodes and other sockets from host facts") {
    json j = hardened();
    j["mounts"] = json::array({bind("/run/containerd/containerd.sock", true), bind("/srv/disk"), bind("/srv/s")});
    HostFacts host;
    host.mount_sources = {std::nullopt, HostPath{"/srv/disk", HostPath::Kind::device},
                          HostPath{"/srv/s", HostPath::Kind::socket}};
    auto fs = run(j, host);
    CHECK(find(fs, "host-path-ro", "mounts[0]")->severity == Severity::high);
    CHECK(find(fs, "host-device-rw", "mounts[1]")->severity == Severity::high);
    CHECK(find(fs, "host-socket", "mounts[2]")->severity == Severity::medium);
}

TEST_CASE("dangerous capabilities: severity by capability and user namespace, path of the first set") {
    json j = hardened();
    j["process"]["capabilities"]["bounding"] = {"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_MODULE"};
    auto fs = run(j);
    auto admin = find(fs, "dangerous-cap", "process.capabilities.bounding[1]");
    REQUIRE(admin);
    CHECK(admin->severity == Severity::medium);  // confined to the user namespace
    CHECK(find(fs, "dangerous-cap", "process.capabilities.bounding[3]")->severity == Severity::low);

    j["linux"]["namespaces"].erase(6);
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    j["process"]["capabilities"]["effective"] = {"CAP_SYS_ADMIN"};
    fs = run(j);
    admin = find(fs, "dangerous-cap", "process.capabilities.effective[0]");
    REQUIRE(admin);
    CHECK(admin->severity == Severity::high);
    CHECK(admin->message.find("effective, bounding") != std::string::npos);
    CHECK(find(fs, "dangerous-cap", "process.capabilities.bounding[2]")->severity == Severity::medium);
    CHECK(find(fs, "dangerous-cap", "process.capabilities.bounding[3]")->severity == Severity::high);
}

TEST_CASE("CAP_MKNOD is high only with every device allowed and no user namespace") {
    json j = hardened();
    j["linux"]["namespaces"].erase(6);
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    j["process"]["capabilities"]["bounding"] = {"CAP_MKNOD"};
    CHECK(find(run(j), "dangerous-cap")->severity == Severity::low);
    j["linux"]["resources"]["devices"] =
        json::parse(R"([{"allow": false, "access": "rwm"}, {"allow": true, "access": "rwm"}])");
    auto fs = run(j);
    CHECK(find(fs, "dangerous-cap")->severity == Severity::high);
    auto all = find(fs, "devices-allow-all");
    REQUIRE(all);
    CHECK(all->path == "linux.resources.devices[1]");
    // A later deny-all undoes it.
    j["linux"]["resources"]["devices"].push_back({{"allow", false}, {"access", "rwm"}});
    CHECK_FALSE(find(run(j), "devices-allow-all"));
}

TEST_CASE("host namespaces: pid and network high, ipc medium, uts and cgroup low") {
    json j = hardened();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "mount"}, {"type": "user"}])");
    auto fs = run(j);
    CHECK(find(fs, "host-pid-ns")->severity == Severity::high);
    CHECK(find(fs, "host-network-ns")->severity == Severity::high);
    CHECK(find(fs, "host-ipc-ns")->severity == Severity::medium);
    CHECK(find(fs, "host-uts-ns")->severity == Severity::low);
    CHECK(find(fs, "host-cgroup-ns")->severity == Severity::low);
    CHECK(find(fs, "host-pid-ns")->path == "linux.namespaces");
}

TEST_CASE("hardening absent: seccomp, masked and readonly paths medium, NNP low, LSM info") {
    json j = hardened();
    j["linux"].erase("seccomp");
    j["linux"].erase("maskedPaths");
    j["linux"]["readonlyPaths"] = json::array();
    j["process"]["noNewPrivileges"] = false;
    j["process"].erase("apparmorProfile");
    auto fs = run(j);
    CHECK(find(fs, "no-seccomp", "linux.seccomp")->severity == Severity::medium);
    CHECK(find(fs, "no-masked-paths", "linux.maskedPaths")->severity == Severity::medium);
    CHECK(find(fs, "no-readonly-paths", "linux.readonlyPaths")->severity == Severity::medium);
    CHECK(find(fs, "no-new-privileges-off", "process.noNewPrivileges")->severity == Severity::low);
    CHECK(find(fs, "no-lsm-label")->severity == Severity::info);
    // proc without /proc/sys read-only: writable kernel settings.
    CHECK(find(fs, "proc-sys-rw", "mounts[0]"));
    // An allow-everything filter is no filter.
    j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}};
    CHECK(find(run(j), "no-seccomp", "linux.seccomp.defaultAction"));
}

TEST_CASE("writable sysfs and cgroup mounts; sysctls that reach the host") {
    json j = hardened();
    j["linux"]["namespaces"].erase(6);
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    j["mounts"][1]["options"] = {"nosuid"};
    j["mounts"].push_back({{"destination", "/sys/fs/cgroup"}, {"type", "cgroup2"}, {"source", "cgroup"}});
    j["linux"]["sysctl"] = {{"kernel.shmmax", "1"}, {"vm.swappiness", "1"}, {"user.max_user_namespaces", "1"}};
    auto fs = run(j);
    CHECK(find(fs, "sysfs-rw", "mounts[1]")->severity == Severity::high);
    CHECK(find(fs, "cgroup-rw", "mounts[3]")->severity == Severity::medium);
    CHECK(find(fs, "sysctl-host", "linux.sysctl[\"vm.swappiness\"]"));
    CHECK_FALSE(find(fs, "sysctl-host", "linux.sysctl[\"kernel.shmmax\"]"));  // own ipc namespace
    // user.*: the limits of the user namespace; the host's without one.
    CHECK(find(fs, "sysctl-host", "linux.sysctl[\"user.max_user_namespaces\"]"));
    json own = hardened();
    own["linux"]["sysctl"] = {{"user.max_user_namespaces", "1"}};
    CHECK_FALSE(find(run(own), "sysctl-host"));
}

TEST_CASE("findings are sorted by severity and a hostile source is quoted") {
    json j = hardened();
    j["linux"].erase("seccomp");
    j["process"]["noNewPrivileges"] = false;
    j["mounts"] = json::array({bind("/etc/\x1b[31m")});
    auto fs = run(j);
    for (size_t i = 1; i < fs.size(); ++i) CHECK(fs[i - 1].severity >= fs[i].severity);
    auto f = find(fs, "host-path-rw");
    REQUIRE(f);
    CHECK(f->message.find('\x1b') == std::string::npos);
}

TEST_CASE("fold_path") {
    CHECK(fold_path("/a/./b/../c") == "/a/c");
    CHECK(fold_path("/../../etc") == "/etc");
    CHECK(fold_path("//") == "/");
    CHECK(fold_path("rel/x/..") == "/rel");
}

TEST_CASE("within a severity: rbind of /, user namespace, host binds, capabilities, namespaces") {
    json j = hardened();
    j["linux"]["namespaces"] = json::parse(R"([{"type": "mount"}, {"type": "network"}])");
    j["linux"].erase("uidMappings");
    j["linux"].erase("gidMappings");
    j["process"]["capabilities"]["bounding"] = {"CAP_SYS_ADMIN"};
    j["mounts"] = json::array({bind("/etc")});
    auto fs = run(j);
    std::vector<std::string> high;
    for (const auto& f : fs)
        if (f.severity == Severity::high) high.push_back(f.id);
    CHECK(high == std::vector<std::string>{"no-userns", "host-path-rw", "dangerous-cap", "host-pid-ns"});
    j["mounts"].push_back(bind("/", false, "rbind"));
    CHECK(run(j).at(0).id == "host-root-rbind");
}

TEST_CASE("a parent of a sensitive path counts as it: /run holds the engine sockets") {
    json j = hardened();
    j["mounts"] = json::array({bind("/run", true), bind("/var/lib/docker/overlay2"), bind("/srv/x")});
    auto fs = run(j);
    auto run_ = find(fs, "host-path-ro", "mounts[0]");
    REQUIRE(run_);
    CHECK(run_->severity == Severity::high);
    CHECK(run_->message.find("contains the docker engine socket") != std::string::npos);
    CHECK(find(fs, "host-path-rw", "mounts[1]")->severity == Severity::high);
    CHECK_FALSE(find(fs, "host-path-rw", "mounts[2]"));  // nothing sensitive in or below it
}
