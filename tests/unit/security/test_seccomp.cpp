// Seccomp: names, compile, runc rules, and real loads in forked children.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "helpers.hpp"
#include "oci/parse.hpp"
#include "security/seccomp.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/socket.hpp"

using namespace ucrun::security;
using nlohmann::json;

namespace {

oci::Seccomp parse_seccomp(const json& s) {
    json cfg = {{"ociVersion", "1.3.0"}, {"root", {{"path", "rootfs"}}}, {"linux", {{"seccomp", s}}}};
    auto c = oci::parse_config(cfg);
    REQUIRE(c.linux);
    REQUIRE(c.linux->seccomp);
    return *c.linux->seccomp;
}

// In a child: set no_new_privs, load, run fn; returns fn's exit code.
template <typename F>
int load_in_child(const Program& p, F&& fn) {
    return test::in_child([&]() -> int {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 90;
        try {
            load(p);
        } catch (const std::exception&) {
            return 91;
        }
        return fn();
    });
}

// 0 if syscall(SYS_umask, v) is allowed, the errno if it fails.
long umask_result(unsigned long v) {
    long r = ::syscall(SYS_umask, v);
    return r < 0 ? errno : 0;
}

// Everything allowed but `name` with `args`, which fails with errno 99.
oci::Seccomp errno99_rule(const char* name, std::vector<oci::SeccompArg> args) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    oci::SeccompSyscall sc;
    sc.names = {name};
    sc.action = "SCMP_ACT_ERRNO";
    sc.errnoRet = 99;
    sc.args = std::move(args);
    s.syscalls.push_back(sc);
    return s;
}

oci::Seccomp umask_rule(std::vector<oci::SeccompArg> args) { return errno99_rule("umask", std::move(args)); }

oci::SeccompArg arg(uint32_t index, const char* op, uint64_t value, std::optional<uint64_t> two = std::nullopt) {
    oci::SeccompArg a;
    a.index = index;
    a.op = op;
    a.value = value;
    a.valueTwo = two;
    return a;
}

}  // namespace

TEST_CASE("seccomp names") {
    CHECK(action_from_name("SCMP_ACT_ALLOW", 1) == 0x7fff0000u);
    CHECK(action_from_name("SCMP_ACT_ERRNO", 1) == (0x00050000u | 1));
    CHECK(action_from_name("SCMP_ACT_TRACE", 5) == (0x7ff00000u | 5));
    CHECK(action_from_name("SCMP_ACT_KILL", 0) == 0u);  // kill thread
    CHECK(action_from_name("SCMP_ACT_KILL_PROCESS", 0) == 0x80000000u);
    CHECK(action_from_name("SCMP_ACT_NOTIFY", 0) == 0x7fc00000u);
    CHECK_FALSE(action_from_name("SCMP_ACT_NOPE", 0));
    CHECK(arch_from_name("SCMP_ARCH_X86_64"));
    CHECK(arch_from_name("SCMP_ARCH_AARCH64"));
    CHECK_FALSE(arch_from_name("x86_64"));
    CHECK(operator_from_name("SCMP_CMP_MASKED_EQ"));
    CHECK_FALSE(operator_from_name("SCMP_CMP_XX"));
    CHECK(filter_flag_from_name("SECCOMP_FILTER_FLAG_LOG") == SECCOMP_FILTER_FLAG_LOG);
    CHECK(known_actions().size() == 9);
    CHECK(known_operators().size() == 7);
    CHECK(known_flags().size() == 4);
    CHECK(known_archs().size() >= 16);
    CHECK(libseccomp_version().find('.') != std::string::npos);
}

TEST_CASE("seccomp kernel probes") {
    unsigned k = kernel_filter_flags();
    // Any kernel that runs this (>= 5.x) knows these.
    CHECK((k & SECCOMP_FILTER_FLAG_TSYNC) != 0);
    CHECK((k & SECCOMP_FILTER_FLAG_LOG) != 0);
    CHECK((k & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0);
    CHECK(kernel_action_available(SECCOMP_RET_ALLOW));
    CHECK(kernel_action_available(SECCOMP_RET_KILL_PROCESS));
    auto sup = supported_flags();
    CHECK(std::find(sup.begin(), sup.end(), "SECCOMP_FILTER_FLAG_TSYNC") != sup.end());
}

TEST_CASE("seccomp compile: deny mkdir with EPERM, and the filter really works") {
    auto s = parse_seccomp({{"defaultAction", "SCMP_ACT_ALLOW"},
                            {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}}}}});
    Program p = compile(s);
    CHECK(p.insns.size() > 2);
    CHECK(p.flags == 0);
    CHECK_FALSE(p.uses_notify);
    CHECK(p.skipped.empty());

    char dir[] = "/tmp/ucrun-sec-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string target = std::string(dir) + "/d";
    int rc = load_in_child(p, [&]() -> int {
        if (::syscall(SYS_getpid) <= 0) return 1;
        if (::mkdir(target.c_str(), 0700) == 0) return 2;
        if (errno != EPERM) return 3;
        if (::syscall(SYS_mkdirat, AT_FDCWD, target.c_str(), 0700) == 0 || errno != EPERM) return 4;
        return 0;
    });
    CHECK(rc == 0);
    struct stat st;
    CHECK(::stat(target.c_str(), &st) != 0);  // never created
    // Without the filter it works (sanity).
    CHECK(::mkdir(target.c_str(), 0700) == 0);
    ::rmdir(target.c_str());
    ::rmdir(dir);
}

TEST_CASE("seccomp compile: every comparison operator") {
    struct Case {
        const char* op;
        uint64_t value;
        std::optional<uint64_t> two;
        unsigned long denied, allowed;
    };
    const Case cases[] = {
        {"SCMP_CMP_EQ", 022, {}, 022, 023},
        {"SCMP_CMP_NE", 022, {}, 023, 022},
        {"SCMP_CMP_LT", 020, {}, 017, 020},
        {"SCMP_CMP_LE", 020, {}, 020, 021},
        {"SCMP_CMP_GE", 020, {}, 020, 017},
        {"SCMP_CMP_GT", 020, {}, 021, 020},
        {"SCMP_CMP_MASKED_EQ", 070, 020, 027, 037},  // value = mask, valueTwo = datum
    };
    for (const auto& c : cases) {
        CAPTURE(c.op);
        Program p = compile(umask_rule({arg(0, c.op, c.value, c.two)}));
        int rc = load_in_child(p, [&]() -> int {
            if (umask_result(c.denied) != 99) return 1;
            if (umask_result(c.allowed) != 0) return 2;
            return 0;
        });
        CHECK(rc == 0);
    }
}

TEST_CASE("seccomp compile: args on the same index are OR'ed (separate rules), else AND'ed") {
    Program same = compile(umask_rule({arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)}));
    CHECK(load_in_child(same, [] {
              if (umask_result(1) != 99) return 1;
              if (umask_result(2) != 99) return 2;
              if (umask_result(3) != 0) return 3;
              return 0;
          }) == 0);

    Program both = compile(errno99_rule("getpriority", {arg(0, "SCMP_CMP_EQ", PRIO_PROCESS), arg(1, "SCMP_CMP_EQ", 77777)}));
    CHECK(load_in_child(both, [] {
              errno = 0;
              if (::syscall(SYS_getpriority, PRIO_PROCESS, 77777) != -1 || errno != 99) return 1;
              if (::syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) return 2;  // only one arg matches
              errno = 0;
              if (::syscall(SYS_getpriority, PRIO_PGRP, 77777) == -1 && errno == 99) return 3;
              return 0;
          }) == 0);
}

TEST_CASE("seccomp compile: unknown syscall names are skipped and reported") {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    oci::SeccompSyscall sc;
    sc.names = {"no_such_syscall_ucrun", "mkdir"};
    sc.action = "SCMP_ACT_ERRNO";
    s.syscalls.push_back(sc);
    std::vector<std::string> logged;
    CompileOptions o;
    o.debug = [&](const std::string& m) { logged.push_back(m); };
    Program p = compile(s, o);
    REQUIRE(p.skipped.size() == 1);
    CHECK(p.skipped[0] == "no_such_syscall_ucrun");
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("no_such_syscall_ucrun") != std::string::npos);

    // Everything unknown: still a valid (default-only) program.
    s.syscalls[0].names = {"no_such_syscall_ucrun"};
    CHECK_NOTHROW(compile(s));
}

TEST_CASE("seccomp compile: flags are checked against kernel_flags when the caller probed already") {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.flags = {"SECCOMP_FILTER_FLAG_LOG"};
    CompileOptions o;
    o.kernel_flags = SECCOMP_FILTER_FLAG_LOG;
    CHECK_NOTHROW(compile(s, o));
    o.kernel_flags = 0;  // as if this kernel knew no flag: the given answer, not a new probe, decides
    CHECK_THROWS_WITH(compile(s, o), doctest::Contains("SECCOMP_FILTER_FLAG_LOG is not supported by this kernel"));
}

TEST_CASE("seccomp compile: rules with the default action are skipped (runc)") {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ERRNO";
    s.defaultErrnoRet = 1;
    oci::SeccompSyscall sc;
    sc.names = {"mkdir"};
    sc.action = "SCMP_ACT_ERRNO";
    sc.errnoRet = 1;  // same as default: libseccomp would say EACCES
    s.syscalls.push_back(sc);
    CHECK_NOTHROW(compile(s));
}

TEST_CASE("seccomp compile: errors name the JSON path") {
    auto expect = [](const oci::Seccomp& s, const std::string& path) {
        try {
            compile(s);
            FAIL("no error for " << path);
        } catch (const oci::SpecError& e) {
            CHECK(e.path() == path);
        }
    };
    oci::Seccomp base;
    base.defaultAction = "SCMP_ACT_ALLOW";
    oci::SeccompSyscall sc;
    sc.names = {"mkdir"};
    sc.action = "SCMP_ACT_ERRNO";

    {
        auto s = base;
        s.defaultAction = "SCMP_ACT_BOGUS";
        expect(s, "linux.seccomp.defaultAction");
    }
    {
        auto s = base;
        s.defaultAction = "SCMP_ACT_NOTIFY";
        expect(s, "linux.seccomp.defaultAction");
    }
    {
        auto s = base;
        s.defaultErrnoRet = 5;  // ALLOW takes no errno: spec MUST fail
        expect(s, "linux.seccomp.defaultErrnoRet");
    }
    {
        auto s = base;
        s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"};
        expect(s, "linux.seccomp.architectures[1]");
    }
    {
        auto s = base;
        s.flags = {"SECCOMP_FILTER_FLAG_NOPE"};
        expect(s, "linux.seccomp.flags[0]");
    }
    {
        auto s = base;
        auto r = sc;
        r.action = "SCMP_ACT_KILL";
        r.errnoRet = 3;
        s.syscalls = {sc, r};
        expect(s, "linux.seccomp.syscalls[1].errnoRet");
    }
    {
        auto s = base;
        auto r = sc;
        r.args = {arg(6, "SCMP_CMP_EQ", 1)};
        s.syscalls = {r};
        expect(s, "linux.seccomp.syscalls[0].args[0].index");
    }
    {
        auto s = base;
        auto r = sc;
        r.args = {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_ALMOST", 1)};
        s.syscalls = {r};
        expect(s, "linux.seccomp.syscalls[0].args[1].op");
    }
    {
        auto s = base;
        auto r = sc;
        r.action = "SCMP_ACT_NOTIFY";
        r.names = {"mkdir", "write"};
        s.syscalls = {r};
        expect(s, "linux.seccomp.syscalls[0].names[1]");
    }
    {
        auto s = base;
        auto r = sc;
        r.names.clear();
        s.syscalls = {r};
        expect(s, "linux.seccomp.syscalls[0].names");
    }
}

TEST_CASE("seccomp compile: flags") {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    oci::SeccompSyscall sc;
    sc.names = {"mkdir"};
    sc.action = "SCMP_ACT_LOG";
    s.syscalls.push_back(sc);
    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"};
    Program p = compile(s);
    CHECK(p.flags == SECCOMP_FILTER_FLAG_LOG);  // TSYNC ignored, as runc

    if (kernel_filter_flags() & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
        s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
        CHECK(compile(s).flags == 0);  // dropped: no listener
        s.syscalls[0].action = "SCMP_ACT_NOTIFY";
        CHECK(compile(s).flags == (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
    }
    // The LOG program loads.
    s.flags = {"SECCOMP_FILTER_FLAG_LOG"};
    s.syscalls[0].action = "SCMP_ACT_LOG";
    CHECK(load_in_child(compile(s), [] { return ::syscall(SYS_getpid) > 0 ? 0 : 1; }) == 0);
}

TEST_CASE("seccomp: cache round trip") {
    auto p = compile(umask_rule({arg(0, "SCMP_CMP_EQ", 022)}));
    auto q = Program::from_bytes(p.to_bytes());
    CHECK(q.flags == p.flags);
    CHECK(q.uses_notify == p.uses_notify);
    REQUIRE(q.insns.size() == p.insns.size());
    CHECK(std::memcmp(q.insns.data(), p.insns.data(), p.insns.size() * sizeof(sock_filter)) == 0);
    CHECK_THROWS_AS(Program::from_bytes("junk"), ucrun::Error);
    CHECK(load_in_child(q, [] { return umask_result(022) == 99 ? 0 : 1; }) == 0);
}

TEST_CASE("seccomp: the cache reader takes only what to_bytes writes") {
    const std::string good = compile(umask_rule({arg(0, "SCMP_CMP_EQ", 022)})).to_bytes();
    REQUIRE(good.size() > 16);
    CHECK(good.size() <= Program::kMaxBytes);
    CHECK_NOTHROW(Program::from_bytes(good));
    auto with_word = [&](size_t index, uint32_t value) {  // header words: magic, flags, notify, count
        std::string b = good;
        std::memcpy(b.data() + 4 * index, &value, 4);
        return b;
    };
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(0, 0x12345678)), "seccomp program cache: bad magic", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(good.substr(0, good.size() - 1)), "seccomp program cache: bad size", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(good + std::string(8, '\0')), "seccomp program cache: bad size", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(3, 0)), "seccomp program cache: bad size", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(3, BPF_MAXINSNS + 1)), "seccomp program cache: bad size", ucrun::Error);
    // Flags compile() never gives, a listener without notify and the reverse.
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(1, SECCOMP_FILTER_FLAG_TSYNC)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(1, 1u << 20)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(1, SECCOMP_FILTER_FLAG_NEW_LISTENER)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(2, 1)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(2, 2)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_THROWS_WITH_AS(Program::from_bytes(with_word(1, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)), "seccomp program cache: bad flags", ucrun::Error);
    CHECK_NOTHROW(Program::from_bytes(with_word(1, SECCOMP_FILTER_FLAG_LOG)));
}

TEST_CASE("seccomp: absent linux.seccomp compiles to nothing") {
    std::optional<oci::Seccomp> none;
    CHECK_FALSE(compile(none).has_value());
}

TEST_CASE("seccomp: Docker's default profile (amd64, default caps) compiles and behaves") {
    json j = test::fixture("docker-default-amd64.json");
    REQUIRE(j["syscalls"][0]["names"].size() > 300);
    auto s = parse_seccomp(j);
    std::vector<std::string> logged;
    CompileOptions o;
    o.debug = [&](const std::string& m) { logged.push_back(m); };
    Program p = compile(s, o);
    MESSAGE("docker profile: " << p.insns.size() << " BPF instructions, " << p.skipped.size()
                               << " names unknown to libseccomp " << libseccomp_version());
    CHECK(p.insns.size() > 100);
    CHECK(p.skipped.size() == logged.size());
    CHECK(p.skipped.size() < 10);

    char dir[] = "/tmp/ucrun-sec-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string target = std::string(dir) + "/d";
    int rc = load_in_child(p, [&]() -> int {
        if (::syscall(SYS_getpid) <= 0) return 1;
        if (::mkdir(target.c_str(), 0700) != 0) return 2;  // allowed
        errno = 0;
        if (::syscall(SYS_unshare, CLONE_NEWUTS) != -1 || errno != EPERM) return 3;  // defaultErrnoRet 1
        errno = 0;
        if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) return 4;  // errnoRet 38
        errno = 0;
        if (::socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) != -1 || errno != EPERM) return 5;
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) return 6;
        ::close(fd);
        if (::syscall(SYS_personality, 0xffffffffUL) < 0) return 7;  // query: allowed
        pid_t pid = ::fork();  // clone without namespace flags: allowed
        if (pid < 0) return 8;
        if (pid == 0) ::_exit(0);
        int st;
        ::waitpid(pid, &st, 0);
        return 0;
    });
    CHECK(rc == 0);
    ::rmdir(target.c_str());
    ::rmdir(dir);
}

// The runtime's way: the parent connects to listenerPath (container/create.cpp,
// sys::connect_unix), the init sends the state with the listener fd in one
// message (proc::load_seccomp, sys::send_msg).
TEST_CASE("seccomp: SCMP_ACT_NOTIFY end to end (listener fd sent to the agent, agent reply)") {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    oci::SeccompSyscall sc;
    sc.names = {"getppid"};
    sc.action = "SCMP_ACT_NOTIFY";
    s.syscalls.push_back(sc);
    s.listenerMetadata = "hello";
    Program p = compile(s);
    REQUIRE(p.uses_notify);
    CHECK((p.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0);

    char dir[] = "/tmp/ucrun-sec-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/agent.sock";
    ucrun::Fd lsock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(lsock);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(lsock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(lsock.get(), 1) == 0);

    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int rc = 0;
        try {
            ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            int fd = load(p);
            if (fd < 0) ::_exit(10);
            json state = {{"ociVersion", "1.3.0"}, {"id", "c1"}, {"status", "creating"}, {"pid", ::getpid()}, {"bundle", "/b"}};
            {
                // One state per connection, closed once sent (config-linux.md).
                const ucrun::Fd agent = ucrun::sys::connect_unix(path, SOCK_STREAM);
                const std::string st = container_process_state(::getpid(), std::string("hello"), state).dump();
                if (!ucrun::sys::send_msg(agent.get(), st, fd)) ::_exit(13);
            }
            ::close(fd);
            rc = ::syscall(SYS_getppid) == 4242 ? 0 : 11;  // answered by the agent below
        } catch (...) {
            rc = 12;
        }
        ::_exit(rc);
    }

    pollfd pf{lsock.get(), POLLIN, 0};
    REQUIRE(::poll(&pf, 1, 10000) == 1);
    ucrun::Fd conn(::accept4(lsock.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(conn);
    std::string payload;
    ucrun::Fd notify_fd;
    for (;;) {
        char buf[4096];
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
        REQUIRE(n >= 0);
        if (n == 0) break;  // runtime closed: one state per connection
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                notify_fd.reset(fd);
            }
        payload.append(buf, static_cast<size_t>(n));
    }
    REQUIRE(notify_fd);
    json st = json::parse(payload);
    CHECK(st["ociVersion"] == "1.3.0");
    CHECK(st["fds"] == json::array({"seccompFd"}));
    CHECK(st["pid"] == child);
    CHECK(st["metadata"] == "hello");
    CHECK(st["state"]["id"] == "c1");

    seccomp_notif_sizes sizes{};
    REQUIRE(::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0);
    std::vector<char> reqbuf(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)), 0);
    std::vector<char> respbuf(std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)), 0);
    auto* req = reinterpret_cast<seccomp_notif*>(reqbuf.data());
    auto* resp = reinterpret_cast<seccomp_notif_resp*>(respbuf.data());
    pollfd nf{notify_fd.get(), POLLIN, 0};
    REQUIRE(::poll(&nf, 1, 10000) == 1);
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_RECV, req) == 0);
    CHECK(req->pid == static_cast<uint32_t>(child));
    CHECK(req->data.nr == SYS_getppid);
    resp->id = req->id;
    resp->val = 4242;
    resp->error = 0;
    resp->flags = 0;
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_SEND, resp) == 0);

    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    ::unlink(path.c_str());
    ::rmdir(dir);
}

namespace {

// A classic-BPF interpreter for what libseccomp emits (loads of
// seccomp_data words, jumps against constants, AND, returns), run on one
// seccomp_data: the filter's verdict without loading it.
uint32_t run_filter(const std::vector<struct sock_filter>& p, const struct seccomp_data& d) {
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
    for (size_t pc = 0, steps = 0; steps < 100000; ++steps) {
        REQUIRE(pc < p.size());
        const struct sock_filter& i = p[pc++];
        switch (i.code) {
            case BPF_LD | BPF_W | BPF_ABS:
                REQUIRE(i.k + 4 <= sizeof d);
                std::memcpy(&a, reinterpret_cast<const char*>(&d) + i.k, 4);
                break;
            case BPF_LD | BPF_MEM: a = mem[i.k % BPF_MEMWORDS]; break;
            case BPF_LDX | BPF_MEM: x = mem[i.k % BPF_MEMWORDS]; break;
            case BPF_ST: mem[i.k % BPF_MEMWORDS] = a; break;
            case BPF_STX: mem[i.k % BPF_MEMWORDS] = x; break;
            case BPF_ALU | BPF_AND | BPF_K: a &= i.k; break;
            case BPF_MISC | BPF_TAX: x = a; break;
            case BPF_MISC | BPF_TXA: a = x; break;
            case BPF_JMP | BPF_JA: pc += i.k; break;
            case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i.k ? i.jt : i.jf; break;
            case BPF_JMP | BPF_JGT | BPF_K: pc += a > i.k ? i.jt : i.jf; break;
            case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i.k ? i.jt : i.jf; break;
            case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i.k) ? i.jt : i.jf; break;
            case BPF_RET | BPF_K: return i.k;
            case BPF_RET | BPF_A: return a;
            default: FAIL("unexpected cBPF opcode " << i.code); return 0;
        }
    }
    FAIL("no return");
    return 0;
}

bool same_insns(const std::vector<struct sock_filter>& a, const std::vector<struct sock_filter>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(struct sock_filter)) == 0;
}

}  // namespace

TEST_CASE("seccomp: the binary tree decides as libseccomp's chain, for Docker's profile and every syscall") {
    // compile() makes a tree of the syscall numbers where there are rules
    // enough; the chain is libseccomp's default. Same verdict for every
    // number of each architecture (x86-64, x32, i386), with arguments that
    // the profile's conditions tell apart (clone flags, personality,
    // socket family).
    auto s = parse_seccomp(test::fixture("docker-default-amd64.json"));
    CompileOptions tree_opts, chain_opts;
    chain_opts.binary_tree = false;
    const Program tree = compile(s, tree_opts), chain = compile(s, chain_opts);
    MESSAGE("docker profile: tree " << tree.insns.size() << ", chain " << chain.insns.size() << " instructions");
    REQUIRE_FALSE(same_insns(tree.insns, chain.insns));
    const uint64_t args[] = {0, 1, 8, 40, 0xffffffffULL, CLONE_NEWUSER, CLONE_NEWNS | CLONE_VM, 0x20008ULL,
                             0x7e020000ULL, 0x100000000ULL};
    size_t checked = 0;
    std::set<uint32_t> verdicts;
    for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_I386}})
        for (uint32_t base : {0u, 0x40000000u}) {
            if (arch == AUDIT_ARCH_I386 && base) continue;
            for (uint32_t nr = 0; nr < 1024; ++nr)
                for (uint64_t v : args)
                for (int mix : {0, 1}) {
                    struct seccomp_data d {};
                    d.nr = static_cast<int>(base + nr);
                    d.arch = arch;
                    // The same value in every argument, or one per index
                    // with other high halves.
                    for (unsigned i = 0; i < 6; ++i) d.args[i] = mix ? v ^ (uint64_t{i} << 33) ^ i : v;
                    const uint32_t verdict = run_filter(tree.insns, d);
                    if (verdict != run_filter(chain.insns, d)) {
                        CAPTURE(arch);
                        CAPTURE(d.nr);
                        CAPTURE(v);
                        FAIL("the tree and the chain differ");
                    }
                    verdicts.insert(verdict);
                    ++checked;
                }
        }
    CHECK(checked == 3 * 1024 * std::size(args) * 2);
    // The inputs reach the profile's different verdicts.
    CHECK(verdicts.count(SECCOMP_RET_ALLOW));
    CHECK(verdicts.count(SECCOMP_RET_ERRNO | 1));
    CHECK(verdicts.count(SECCOMP_RET_ERRNO | 38));
    // A filter of a few rules stays a chain.
    oci::Seccomp few = umask_rule({});
    CHECK(same_insns(compile(few, tree_opts).insns, compile(few, chain_opts).insns));
}

namespace {

// `rules` rules of one syscall, each with `args` conditions of `op`.
oci::Seccomp many_conditions(int rules, int args, const char* op) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ERRNO";
    for (int i = 0; i < rules; ++i) {
        oci::SeccompSyscall sc;
        sc.names = {"getpriority"};
        sc.action = "SCMP_ACT_ALLOW";
        for (int j = 0; j < args; ++j)
            sc.args.push_back(arg(static_cast<uint32_t>(j), op, (uint64_t{1} << 33) | static_cast<uint64_t>(i * 7 + j * 13 + 1)));
        s.syscalls.push_back(sc);
    }
    return s;
}

bool no_child_left() {
    siginfo_t si{};
    return ::waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("seccomp compile: a filter libseccomp takes too long to make is refused, naming linux.seccomp.syscalls") {
    // 5 rules of 6 ranges on one syscall: more than a minute unbounded, in
    // the BPF generation; masked equalities with varied masks and argument
    // sets: as long, in seccomp_rule_add itself (the review's case).
    CompileOptions opts;
    opts.export_budget_ms = 300;
    oci::Seccomp masked;
    masked.defaultAction = "SCMP_ACT_ALLOW";
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto next = [&x] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    for (int i = 0; i < 36; ++i) {
        oci::SeccompSyscall sc;
        sc.names = {"ioctl"};
        sc.action = "SCMP_ACT_ERRNO";
        // a random subset of the six arguments, each (value & mask) == datum
        const uint64_t subset = 1 + next() % 63;
        for (uint32_t j = 0; j < 6; ++j)
            if (subset >> j & 1) {
                const uint64_t mask = next() >> 1;
                sc.args.push_back(arg(j, "SCMP_CMP_MASKED_EQ", mask, (next() >> 1) & mask));
            }
        masked.syscalls.push_back(sc);
    }
    for (const auto& s : {many_conditions(5, 6, "SCMP_CMP_GT"), masked}) {
        bool refused = false;
        try {
            compile(s, opts);
        } catch (const oci::SpecError& e) {
            refused = true;
            CHECK(std::string(e.what()).find("linux.seccomp.syscalls") != std::string::npos);
            CHECK(std::string(e.what()).find("within 300 ms") != std::string::npos);
        }
        CHECK(refused);
        CHECK(no_child_left());  // the building child was killed and reaped
    }
}

TEST_CASE("seccomp compile: a bounded build that ends in time gives the same filter") {
    // Conditions: built in a child (build_bounded); the filter decides as
    // they say.
    Program p = compile(errno99_rule("getpriority", {arg(0, "SCMP_CMP_NE", PRIO_PGRP), arg(1, "SCMP_CMP_GT", 77777)}));
    CHECK(no_child_left());
    CHECK(load_in_child(p, [] {
              errno = 0;
              if (::syscall(SYS_getpriority, PRIO_PROCESS, 77778) != -1 || errno != 99) return 1;
              if (::syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) return 2;       // not > 77777
              if (::syscall(SYS_getpriority, PRIO_PGRP, 77778) == -1 && errno == 99) return 3;  // == PRIO_PGRP
              return 0;
          }) == 0);
    // Many equalities fit, and so does an error of libseccomp's in the
    // child: reported as in the process.
    Program eq = compile(many_conditions(60, 6, "SCMP_CMP_EQ"));
    CHECK(!eq.insns.empty());
    CHECK(no_child_left());
}
