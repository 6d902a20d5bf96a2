// create's room 2 (container/spawn.hpp), the parent's side of the sync
// protocol, through the recording fake kernel (tests/unit/mount/
// fake_kernel.hpp): its clone3 makes no process but returns a pretend pid
// (above pid_max: no process has it) and "starts" the child by running the
// test's script, which plays the init on the other end of the real
// socketpair with the typed messages (proc/messages.hpp). The parent's
// answers are read back from that end. Without root: nothing is cloned,
// mounted or killed for real; the maps are written into the fake's
// /proc/<pid>/ files.
#include <doctest/doctest.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "caught.hpp"
#include "container/create_plan.hpp"
#include "container/spawn.hpp"
#include "fake_kernel.hpp"
#include "oci/error.hpp"
#include "oci/parse.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using namespace ucrun::container;
using Calls = std::vector<std::string>;

namespace {

const pid_t kPid = test::FakeKernel::kFirstPid;

oci::Config make_config(const std::string& extra = "") {
    return oci::parse_config(oci::parse_document(R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},
        "process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0}},
        "linux":{"namespaces":[{"type":"user"},{"type":"mount"},{"type":"pid"},{"type":"ipc"},{"type":"uts"}],
          "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
          "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}]})" +
                                                 extra + "}"));
}

// One create's room 2: the request spawn_init gets, the init's script.
struct Spawn {
    test::FakeKernel k;
    oci::Config cfg;
    CreatePlan plan;
    Context ctx;
    proc::InitArgs args;
    std::vector<pid_t> on_pid;
    std::vector<bool> released_at_record;  // for each on_pid: a message to the init was waiting for it
    bool borrow_memory = false;             // SpawnRequest::borrow_memory
    Created out;

    explicit Spawn(const std::string& extra = "") : cfg(make_config(extra)) {
        plan = plan_create(cfg, CreateOptions{}, false, HostFacts{});
        // Only the cases about the maps write them (into files of the fake
        // they create).
        plan.write_maps = false;
    }
    // What the init sends, in order, as soon as it is cloned.
    template <class... M>
    void script(M... msgs) {
        k.on_clone = [this, msgs...] {
            const bool all_sent = (proc::send(k.peer(), proc::Message(msgs)) && ...);
            REQUIRE(all_sent);
        };
    }
    void run(Rollback& rb, int cg_fd = -1) {
        SpawnRequest r;
        r.ctx = &ctx;
        r.cfg = &cfg;
        r.plan = &plan;
        r.id = "c1";
        r.bundle = "/b";
        r.rootfs = "/b/rootfs";
        r.args = &args;
        CgroupEntry cg;
        cg.clone_fd = cg_fd;
        cg.clone_dir = "/sys/fs/cgroup/c1";
        r.cgroup = &cg;
        r.borrow_memory = borrow_memory;
        r.on_pid = [this](pid_t p) {
            on_pid.push_back(p);
            pollfd q{k.peer(), POLLIN, 0};
            released_at_record.push_back(::poll(&q, 1, 0) == 1 && (q.revents & POLLIN));
        };
        spawn_init(k, r, rb, out);
    }
    // The parent's messages to the init so far (their types), and whether
    // MapsDone carried a descriptor.
    std::vector<std::string> sent() {
        std::vector<std::string> names;
        pollfd p{k.peer(), POLLIN, 0};
        while (::poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
            std::optional<proc::Message> m = proc::recv(k.peer());
            if (!m) break;  // the parent's end is closed
            names.emplace_back(proc::name_of(*m));
            if (auto* d = std::get_if<proc::MapsDone>(&*m); d && d->rootfs) names.back() += "+fd";
        }
        return names;
    }
    Calls process_calls() const { return k.calls_of({"clone3(", "waitpid(", "kill(", "pidfd_open("}); }
};

proc::ErrorMsg init_error(int err, std::string path, std::string text) {
    return proc::ErrorMsg{proc::ErrorRecord{err, std::move(path), std::move(text)}};
}

}  // namespace

TEST_CASE("spawn: clone3 with the plan's namespaces, a pidfd and the cgroup; Ready leaves the init to the caller") {
    Spawn s;
    s.script(proc::Debug{"chose a /sys bind"}, proc::Ready{});
    {
        Rollback rb;
        s.run(rb, s.k.open_handle("/sys/fs/cgroup/c1"));
        CHECK(rb.pending() == std::vector<std::string>{"init process"});
        rb.commit();
    }
    CHECK(s.process_calls() ==
          Calls{"clone3(NEWUSER|NEWNS|NEWPID|NEWIPC|NEWUTS|PIDFD|INTO_CGROUP, /sys/fs/cgroup/c1)"});
    CHECK(s.out.pid == kPid);
    CHECK(s.k.name(s.out.pidfd.get()) == "pidfd:" + std::to_string(kPid));
    CHECK(s.on_pid == std::vector<pid_t>{kPid});  // on record once the init is on its way
    CHECK(s.out.sync);                            // run releases the init over it
    CHECK(s.sent().empty());                      // nothing asked, nothing said
}

TEST_CASE("spawn: an init on ucrun's memory: CLONE_VM|CLONE_VFORK, and what it said meanwhile is read afterwards") {
    // The fake's clone runs the script before it returns, as the real one
    // returns only once the init has executed the trampoline: Ready (and
    // whatever came before it) is already waiting on the socket.
    Spawn s;
    s.borrow_memory = true;
    s.script(proc::Debug{"chose a /sys bind"}, proc::Ready{});
    {
        Rollback rb;
        s.run(rb, s.k.open_handle("/sys/fs/cgroup/c1"));
        rb.commit();
    }
    CHECK(s.process_calls() ==
          Calls{"clone3(NEWUSER|NEWNS|NEWPID|NEWIPC|NEWUTS|PIDFD|INTO_CGROUP|VM|VFORK, /sys/fs/cgroup/c1)"});
    CHECK(s.on_pid == std::vector<pid_t>{kPid});
    CHECK(s.out.sync);
    CHECK(s.sent().empty());
}

TEST_CASE("spawn: an Error from the init fails create with its errno and config path; the init is killed and reaped") {
    Spawn s;
    s.script(init_error(EACCES, "mounts[2].source", "mount /data on /mnt"));
    {
        Rollback rb;
        const auto e = test::caught<ConfigError>([&] { s.run(rb); });
        CHECK(e.code() == EACCES);
        CHECK(std::string(e.what()).find("config.json: mounts[2].source: mount /data on /mnt") == 0);
        CHECK(s.process_calls().size() == 1);  // only the clone until the rollback runs
    }
    CHECK(s.process_calls() == Calls{s.process_calls()[0], "kill(" + std::to_string(kPid) + ", SIGKILL)",
                                     "waitpid(" + std::to_string(kPid) + ", __WALL)"});
}

TEST_CASE("spawn: the init gone before Ready (EOF) fails create, and the init is killed") {
    Spawn s;
    s.k.on_clone = [&] { ::shutdown(s.k.peer(), SHUT_WR); };
    {
        Rollback rb;
        CHECK_THROWS_WITH_AS(s.run(rb), "container init exited before it was ready", Error);
    }
    CHECK(s.process_calls().back() == "waitpid(" + std::to_string(kPid) + ", __WALL)");
}

TEST_CASE("spawn: the join path: InitPid replaces the intermediate (reaped), whose successor is recorded and killed") {
    Spawn s;
    const pid_t real = 4242;
    s.script(proc::InitPid{real}, init_error(EPERM, "", "setns"));
    {
        Rollback rb;
        const auto e = test::caught<SysError>([&] { s.run(rb); });
        CHECK(e.code() == EPERM);
        CHECK(s.on_pid == std::vector<pid_t>{kPid, real});
        CHECK(s.out.pid == real);
        CHECK(s.k.name(s.out.pidfd.get()) == "pidfd:4242");
    }
    const std::string first = std::to_string(kPid);
    const Calls calls = s.process_calls();
    CHECK(Calls(calls.begin() + 1, calls.end()) ==
          Calls{"waitpid(" + first + ")", "pidfd_open(4242)", "kill(4242, SIGKILL)", "waitpid(4242, __WALL)"});
}

TEST_CASE("spawn: an init that places itself in its cgroups gets its maps before the record is written, nothing else") {
    Spawn s;
    // cgroup v1: the init writes its `tasks` files itself and unshares its
    // cgroup namespace after (proc/init.cpp); the parent sends nothing
    // about the cgroup. Its maps go first, before the record.
    s.args.late_cgroupns = true;
    s.plan.write_maps = true;
    const std::string proc = "/proc/" + std::to_string(kPid) + "/";
    s.k.add_file(proc + "uid_map");
    s.k.add_file(proc + "gid_map");
    REQUIRE(s.plan.fast_path);
    s.script(proc::Ready{});
    Rollback rb;
    s.run(rb);
    rb.commit();
    CHECK(s.on_pid == std::vector<pid_t>{kPid});
    CHECK(s.released_at_record == std::vector<bool>{true});  // MapsDone was on its way
    CHECK(s.sent() == std::vector<std::string>{"MapsDone"});
}

TEST_CASE("spawn: no maps to write: the parent sends nothing before Ready") {
    Spawn s;
    s.script(proc::Ready{});
    Rollback rb;
    s.run(rb);
    rb.commit();
    CHECK(s.sent().empty());
}

TEST_CASE("spawn: NeedMaps is answered by MapsDone; a map the kernel refuses fails naming the field, no MapsDone") {
    SUBCASE("nothing to write: MapsDone at once") {
        Spawn s;
        s.script(proc::NeedMaps{}, proc::Ready{});
        Rollback rb;
        s.run(rb);
        rb.commit();
        CHECK(s.sent() == std::vector<std::string>{"MapsDone"});
    }
    SUBCASE("maps written (through the kernel, userns/) before MapsDone") {
        Spawn s;
        s.plan.write_maps = true;
        s.plan.fast_path = false;  // the init asks with NeedMaps
        const std::string proc = "/proc/" + std::to_string(kPid) + "/";
        s.k.add_file(proc + "uid_map");
        s.k.add_file(proc + "gid_map");
        s.script(proc::NeedMaps{}, proc::Ready{});
        Rollback rb;
        s.run(rb);
        rb.commit();
        CHECK(s.k.written(proc + "uid_map") == "0 100000 65536\n");
        CHECK(s.k.written(proc + "gid_map") == "0 100000 65536\n");
        CHECK(s.sent() == std::vector<std::string>{"MapsDone"});
    }
    SUBCASE("maps written at clone (fast path): a pid without /proc/<pid>/uid_map") {
        Spawn s;
        s.plan.write_maps = true;
        s.script(proc::Ready{});
        {
            Rollback rb;
            const auto e = test::caught<ConfigError>([&] { s.run(rb); });
            CHECK(std::string(e.what()).find("config.json: linux.uidMappings") == 0);
        }
        CHECK(s.sent().empty());
        CHECK(s.process_calls().back() == "waitpid(" + std::to_string(kPid) + ", __WALL)");
    }
}

TEST_CASE("spawn: an idmapped rootfs is made with the init's user namespace; a refusal names root.path, no MapsDone") {
    Spawn s;
    s.plan.idmapped_rootfs = true;
    s.k.add_ns("/proc/" + std::to_string(kPid) + "/ns/user", CLONE_NEWUSER);
    s.k.add_dir("/b/rootfs");
    s.k.add_file("/proc/self/mountinfo");  // empty: the fake's read says EOF
    s.k.fail("mount_setattr(", EINVAL);  // a file system without idmapped mounts
    s.script(proc::NeedMaps{}, proc::Ready{});
    {
        Rollback rb;
        const auto e = test::caught<oci::SpecError>([&] { s.run(rb); });
        CHECK(std::string(e.what()).find("config.json: root.path: /b/rootfs is on ") == 0);
    }
    const std::string ns = "/proc/" + std::to_string(kPid) + "/ns/user";
    CHECK(s.k.calls_of({"openat(", "ioctl(", "open_tree("}) ==
          Calls{"openat(cwd, " + ns + ", 0)", "ioctl(" + ns + ", NS_GET_NSTYPE)",
                "openat(cwd, /b/rootfs, O_PATH|O_DIRECTORY)",
                "open_tree(/b/rootfs, \"\", CLONE|RECURSIVE|EMPTY_PATH)",
                // The mount table is read for the refusal's message only.
                "openat(cwd, /proc/self/mountinfo, O_NOCTTY)", "open_tree(/b/rootfs, \"\", CLONE|EMPTY_PATH)"});
    CHECK(s.sent().empty());
    CHECK(s.process_calls().back() == "waitpid(" + std::to_string(kPid) + ", __WALL)");
}

TEST_CASE("spawn: Hooks runs prestart and createRuntime with the init's pid, then HooksDone; a failing hook kills") {
    char dir[] = "/tmp/ucrun-spawn-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string out = std::string(dir) + "/state";
    SUBCASE("the hooks run, in order, with the state, before HooksDone") {
        Spawn s(R"(,"hooks":{"prestart":[{"path":"/bin/sh","args":["sh","-c","echo prestart >> )" + out +
                R"("]}],"createRuntime":[{"path":"/bin/sh","args":["sh","-c","cat >> )" + out + R"("]}]})");
        s.script(proc::Hooks{}, proc::Ready{});
        Rollback rb;
        s.run(rb);
        rb.commit();
        std::stringstream text;
        text << std::ifstream(out).rdbuf();
        CHECK(text.str().rfind("prestart\n{", 0) == 0);
        CHECK(text.str().find("\"pid\":" + std::to_string(kPid)) != std::string::npos);
        CHECK(s.sent() == std::vector<std::string>{"HooksDone"});
    }
    SUBCASE("a failing createRuntime hook: no HooksDone, the init killed") {
        Spawn s(R"(,"hooks":{"createRuntime":[{"path":"/bin/false"}]})");
        s.script(proc::Hooks{}, proc::Ready{});
        {
            Rollback rb;
            CHECK_THROWS_AS(s.run(rb), Error);
        }
        CHECK(s.sent().empty());
        CHECK(s.process_calls().back() == "waitpid(" + std::to_string(kPid) + ", __WALL)");
    }
    ::unlink(out.c_str());
    ::rmdir(dir);
}
