// create's planning room (src/container/create_plan.hpp): config and
// options to what create makes, without root and without a system call.
#include <doctest/doctest.h>

#include <sched.h>

#include "container/create_plan.hpp"
#include "oci/error.hpp"
#include <nlohmann/json.hpp>

#include "oci/parse.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using namespace ucrun::container;

namespace {

oci::Config make_config(const std::string& namespaces, const std::string& extra = "") {
    std::string text = R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},
        "process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0}},
        "linux":{"namespaces":[)" + namespaces + "]" + extra + "}}";
    return oci::parse_config(oci::parse_document(text));
}

const std::string kMaps = R"(,"uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
    "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}])";

}  // namespace

TEST_CASE("create plan: all namespaces new: clone3 makes them, the state goes at clone") {
    oci::Config cfg = make_config(R"({"type":"pid"},{"type":"mount"},{"type":"uts"},{"type":"cgroup"})");
    CreatePlan p = plan_create(cfg, {}, false, {});
    CHECK(p.fast_path);
    CHECK_FALSE(p.init_forks);
    CHECK_FALSE(p.write_maps);
    CHECK(p.state_at == StateAt::Clone);
    CHECK(p.exec_fifo);  // create, not run: the init waits on exec.fifo
    CHECK(clone_flags(p, false) == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWCGROUP));
    // v1 hierarchies the init places itself in: it unshares its cgroup
    // namespace once placed.
    CHECK(late_cgroupns(p, true));
    CHECK_FALSE(late_cgroupns(p, false));
    CHECK(clone_flags(p, true) == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
    // run (foreground): no FIFO, the Start message.
    CHECK_FALSE(plan_create(cfg, {}, true, {}).exec_fifo);
}

TEST_CASE("create plan: a new time namespace is never made by clone3") {
    oci::Config cfg = make_config(R"({"type":"time"},{"type":"mount"})");
    CreatePlan p = plan_create(cfg, {}, false, {});
    CHECK(clone_flags(p, false) == CLONE_NEWNS);
}

TEST_CASE("create plan: a new user namespace needs its mappings, which ucrun writes") {
    CHECK_THROWS_WITH_AS(plan_create(make_config(R"({"type":"user"},{"type":"mount"})"), {}, false, {}),
                         doctest::Contains("linux.uidMappings"), oci::SpecError);
    oci::Config cfg = make_config(R"({"type":"user"},{"type":"mount"},{"type":"pid"})", kMaps);
    CreatePlan p = plan_create(cfg, {}, false, {});
    CHECK(p.write_maps);
    CHECK(p.fast_path);
    CHECK(p.rootfs_userns);
    CHECK(clone_flags(p, false) == (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID));
}

TEST_CASE("create plan: the join path") {
    // A joined network namespace, no user namespace: clone3 makes the pid
    // namespace, the init joins and unshares the rest; the state after its
    // maps handshake, once.
    oci::Config net = make_config(
        R"({"type":"pid"},{"type":"mount"},{"type":"cgroup"},{"type":"network","path":"/run/netns/x"})");
    CreatePlan p = plan_create(net, {}, false, {});
    CHECK_FALSE(p.fast_path);
    CHECK_FALSE(p.init_forks);
    CHECK(p.state_at == StateAt::Maps);
    CHECK(clone_flags(p, false) == CLONE_NEWPID);
    // The init unshares its cgroup namespace with the others, after it has
    // placed itself: never a second time.
    CHECK_FALSE(late_cgroupns(p, true));

    // A joined user namespace with a new pid namespace: the pid namespace
    // must be owned by it: the init makes it and forks the real init.
    oci::Config user =
        make_config(R"({"type":"pid"},{"type":"mount"},{"type":"user","path":"/proc/1/ns/user"})");
    p = plan_create(user, {}, false, {});
    CHECK(p.init_forks);
    CHECK(p.state_at == StateAt::InitPid);
    CHECK(clone_flags(p, false) == 0);
    CHECK(p.rootfs_userns);
    CHECK_FALSE(p.write_maps);  // joined: its maps are the owner's

    // A new user namespace and a joined network namespace: new maps, and
    // the fork.
    oci::Config both = make_config(R"({"type":"user"},{"type":"pid"},{"type":"mount"},{"type":"network","path":"/x"})", kMaps);
    p = plan_create(both, {}, false, {});
    CHECK(p.write_maps);
    CHECK(p.init_forks);
    CHECK(p.state_at == StateAt::InitPid);
}

TEST_CASE("create plan: options and host facts") {
    oci::Config cfg = make_config(R"({"type":"mount"})");
    CreateOptions o;
    o.no_pivot = true;
    o.no_new_keyring = true;
    o.preserve_fds = 2;
    o.console_socket = "/run/c.sock";
    HostFacts h;
    h.listen_fds = 3;
    h.rootless = true;
    h.unprivileged = true;
    h.remapped = true;
    CreatePlan p = plan_create(cfg, o, false, h);
    CHECK(p.no_pivot);
    CHECK_FALSE(p.new_keyring);
    CHECK(p.preserve_fds == 5);  // LISTEN_FDS first, then --preserve-fds
    CHECK(p.console_socket == "/run/c.sock");
    CHECK(p.rootfs_userns);  // rootless: ucrun's own user namespace
    CHECK(p.unprivileged);
    CHECK(p.idmapped_rootfs);
    CHECK(p.rootfs_at_cwd);  // remapped, with a new mount namespace
    CHECK_FALSE(plan_create(make_config(R"({"type":"mount","path":"/proc/1/ns/mnt"})"), o, false, h).rootfs_at_cwd);
    CHECK_FALSE(plan_create(cfg, {}, false, {}).rootfs_userns);
}

TEST_CASE("create plan: a terminal needs somewhere to go") {
    oci::Config cfg = make_config(R"({"type":"mount"})");
    cfg.process->terminal = true;
    const char* tty = "cannot allocate tty if ucrun will detach without setting console socket";
    CHECK_THROWS_WITH_AS(plan_create(cfg, {}, false, {}), tty, Error);  // create
    CreateOptions detach;
    detach.detach = true;
    CHECK_THROWS_WITH_AS(plan_create(cfg, detach, true, {}), tty, Error);  // run --detach
    CHECK_NOTHROW(plan_create(cfg, {}, true, {}));  // run: the terminal is ucrun's
    CreateOptions sock;
    sock.console_socket = "/run/c.sock";
    CHECK_NOTHROW(plan_create(cfg, sock, false, {}));
}

TEST_CASE("create plan: hooks decide the handshakes") {
    oci::Config none = make_config(R"({"type":"mount"})");
    CreatePlan p = plan_create(none, {}, false, {});
    CHECK_FALSE(p.hooks_sync);
    CHECK_FALSE(p.container_hooks);
    CHECK_FALSE(p.poststop_on_failure);
    oci::Config cfg = make_config(R"({"type":"mount"})");
    cfg.hooks.createRuntime.push_back({"/bin/true", {}, {}, {}});
    cfg.hooks.startContainer.push_back({"/bin/true", {}, {}, {}});
    cfg.hooks.poststop.push_back({"/bin/true", {}, {}, {}});
    p = plan_create(cfg, {}, false, {});
    CHECK(p.hooks_sync);
    CHECK(p.container_hooks);
    CHECK(p.poststop_on_failure);
}

TEST_CASE("create plan: what this runtime cannot create, named") {
    oci::Config cfg = make_config(R"({"type":"mount"})");
    cfg.process.reset();
    CHECK_THROWS_WITH_AS(plan_create(cfg, {}, false, {}), doctest::Contains("process"), oci::SpecError);
    oci::Config dev = make_config(R"({"type":"mount"})", R"(,"netDevices":{"eth0":{}})");
    CHECK_THROWS_WITH_AS(plan_create(dev, {}, false, {}), doctest::Contains("linux.netDevices"), oci::SpecError);
}

TEST_CASE("create plan: the trampoline waits for Start only for a run with nothing between release and program") {
    auto cfg_with = [](const std::string& process_extra, const std::string& linux_extra, const std::string& top) {
        std::string text = R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},
            "process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0})" + process_extra + R"(},
            "linux":{"namespaces":[{"type":"pid"},{"type":"mount"}])" + linux_extra + "}" + top + "}";
        return oci::parse_config(oci::parse_document(text));
    };
    const std::string seccomp = R"(,"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"})";
    auto run = [](const oci::Config& c) { return release_in_trampoline(plan_create(c, {}, true, {}), c); };
    auto create = [](const oci::Config& c) { return release_in_trampoline(plan_create(c, {}, false, {}), c); };
    CHECK(run(cfg_with("", "", "")));
    CHECK_FALSE(create(cfg_with("", "", "")));  // the exec FIFO: `start` releases it
    CHECK_FALSE(run(cfg_with("", "", R"(,"hooks":{"startContainer":[{"path":"/bin/true"}]})")));
    CHECK(run(cfg_with("", "", R"(,"hooks":{"poststart":[{"path":"/bin/true"}]})")));  // after the hang-up
    CHECK_FALSE(run(cfg_with(R"(,"noNewPrivileges":true)", seccomp, "")));  // loaded just before execve
    CHECK(run(cfg_with("", seccomp, "")));  // loaded before Ready
    CHECK(run(cfg_with(R"(,"noNewPrivileges":true)", "", "")));
    CHECK_FALSE(run(cfg_with(R"(,"selinuxLabel":"system_u:system_r:container_t:s0")", "", "")));
    CHECK_FALSE(run(cfg_with(R"(,"apparmorProfile":"docker-default")", "", "")));
}

TEST_CASE("create plan: the init borrows ucrun's memory only where it never waits and nothing of the container sees it") {
    // (It never waits: for `create` the trampoline waits, proc/init.hpp.)
    const std::string all = R"({"type":"pid"},{"type":"mount"},{"type":"ipc"},{"type":"uts"},{"type":"network"})";
    auto borrows = [](const oci::Config& c, bool foreground = true, bool listener = false, HostFacts host = {}) {
        return borrows_memory(plan_create(c, {}, foreground, host), c, listener);
    };
    const oci::Config plain = make_config(all);
    CHECK(borrows(plain));
    // create: its trampoline waits for Recorded and on the exec FIFO.
    CHECK(borrows(plain, false));
    // Would wait for the listener's State.
    CHECK_FALSE(borrows(plain, true, true));
    // A user namespace: ucrun writes the maps while the init waits.
    CHECK_FALSE(borrows(make_config(R"({"type":"user"},)" + all, kMaps)));
    // Another user than root: a host process of that uid could signal it
    // (and at fs.suid_dumpable 1 write its memory, ours).
    oci::Config user = plain;
    user.process->user.uid = 1000;
    CHECK_FALSE(borrows(user));
    user.process->user.uid = 0;
    user.process->user.gid = 1000;
    CHECK_FALSE(borrows(user));
    user.process->user.gid = 0;
    user.process->user.additionalGids = {5, 7};  // setgroups leaves it not dumpable
    CHECK(borrows(user));
    // No new pid namespace: the init would be seen (and could be signalled)
    // from wherever the container's processes are.
    CHECK_FALSE(borrows(make_config(R"({"type":"mount"},{"type":"uts"})")));
    // Joined namespaces: setns and an intermediate.
    CHECK_FALSE(borrows(make_config(R"({"type":"network","path":"/proc/1/ns/net"},)" +
                                    std::string(R"({"type":"pid"},{"type":"mount"})"))));
    // setns(2) into a time namespace refuses a process sharing its memory.
    CHECK_FALSE(borrows(make_config(R"({"type":"time"},)" + all)));
    // Hooks that wait (prestart, createRuntime) or fork (createContainer),
    // and what keeps the release out of the trampoline (startContainer).
    for (const char* h : {"prestart", "createRuntime", "createContainer", "startContainer"})
        CHECK_FALSE(borrows(make_config(all, std::string(R"(},"hooks":{")") + h + R"(":[{"path":"/bin/true"}])")));
    CHECK(borrows(make_config(all, R"(},"hooks":{"poststart":[{"path":"/bin/true"}])")));
    // Something of ucrun's between the release and the program: a seccomp
    // filter loaded just before execve (noNewPrivileges), an LSM label.
    oci::Config late = make_config(all, R"(,"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"})");
    late.process->noNewPrivileges = true;
    CHECK_FALSE(borrows(late));
    CHECK_FALSE(borrows(late, false));
    late.process->noNewPrivileges = false;
    CHECK(borrows(late));
    late.process->apparmorProfile = "docker-default";
    CHECK_FALSE(borrows(late, false));
    // create's trampoline makes the init's last calls under the filter: one
    // that does not plainly let them through gets the copy (run's, which
    // makes fewer, is not judged here).
    auto filtered = [&](const std::string& seccomp) { return make_config(all, ",\"seccomp\":" + seccomp); };
    CHECK(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ALLOW"})"), false));
    CHECK(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","close",
        "openat","fcntl","prctl","rt_sigaction","execve","execveat","exit"],"action":"SCMP_ACT_ALLOW"}]})"), false));
    // The trampoline's handlers for `kill` of a created container (proc/dmz/dmz.c).
    CHECK_FALSE(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","close",
        "openat","fcntl","prctl","execve","execveat","exit"],"action":"SCMP_ACT_ALLOW"}]})"), false));
    CHECK_FALSE(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write",
        "openat","fcntl","prctl","execve","execveat"],"action":"SCMP_ACT_ALLOW"}]})"), false));  // no close
    CHECK_FALSE(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["close"],
        "action":"SCMP_ACT_ERRNO"}]})"), false));
    CHECK_FALSE(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["prctl"],
        "action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4,"op":"SCMP_CMP_EQ"}]}]})"), false));
    CHECK(borrows(filtered(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["close"],
        "action":"SCMP_ACT_ERRNO"}]})")));  // run
    // Unprivileged (rootless): the parent writes through /proc/<pid>.
    HostFacts rootless;
    rootless.unprivileged = true;
    CHECK_FALSE(borrows(plain, true, false, rootless));
}
