// The parent<->init messages (proc/messages.hpp): the codec on its own, then
// the transport (proc/sync.hpp) on a real socketpair, descriptors included.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "proc/messages.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"
#include "sys/socket.hpp"

using namespace ucrun;
using namespace ucrun::proc;

namespace {

// encode, then decode with the descriptor attached or not as encode says.
std::optional<Message> round_trip(const Message& m) {
    const Encoded e = encode(m);
    return decode(e.bytes, e.fd >= 0);
}

std::string bytes(std::string_view s) { return std::string(s); }

size_t open_fds() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

}  // namespace

TEST_CASE("messages: every type round-trips with its fields") {
    for (const Message& m : {Message(NeedMaps{}), Message(Ready{}), Message(Start{}), Message(Hooks{}),
                             Message(HooksDone{}), Message(Recorded{}), Message(Detached{}),
                             Message(MapsDone{})}) {
        CAPTURE(name_of(m));
        const Encoded e = encode(m);
        CHECK(e.bytes.size() == 1);  // the type byte, nothing else
        CHECK(e.fd == -1);
        auto back = round_trip(m);
        REQUIRE(back);
        CHECK(back->index() == m.index());
    }
    auto pid = round_trip(InitPid{4194304});
    REQUIRE(pid);
    CHECK(std::get<InitPid>(*pid).pid == 4194304);

    auto err = round_trip(ErrorMsg{{ENOENT, "mounts[3].source", "bind /x on /b/rootfs/y"}});
    REQUIRE(err);
    const ErrorRecord& r = std::get<ErrorMsg>(*err).error;
    CHECK(r.err == ENOENT);
    CHECK(r.path == "mounts[3].source");
    CHECK(r.message == "bind /x on /b/rootfs/y");

    const std::string json = R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":42,"metadata":"m"})";
    auto st = round_trip(State{json});
    REQUIRE(st);
    CHECK(std::get<State>(*st).json == json);

    auto dbg = round_trip(Debug{"sysfs: bound from the host (no netns of our own)"});
    REQUIRE(dbg);
    CHECK(std::get<Debug>(*dbg).line == "sysfs: bound from the host (no netns of our own)");

    // The descriptor types: the fd is named by encode, attached by the
    // transport; decode leaves the Fd field empty for the transport to fill.
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    REQUIRE(devnull);
    const int raw = devnull.get();
    const Message c = Console{"/dev/pts/3", std::move(devnull)};
    const Encoded ce = encode(c);
    CHECK(ce.fd == raw);
    CHECK(ce.bytes == "c/dev/pts/3");
    auto cb = decode(ce.bytes, true);
    REQUIRE(cb);
    CHECK(std::get<Console>(*cb).name == "/dev/pts/3");
    CHECK_FALSE(std::get<Console>(*cb).master);

    Fd root(::open("/", O_PATH | O_CLOEXEC));
    const int root_raw = root.get();
    const Message md = MapsDone{std::move(root)};
    CHECK(encode(md).fd == root_raw);
    auto mb = decode(encode(md).bytes, true);
    REQUIRE(mb);
    CHECK(std::holds_alternative<MapsDone>(*mb));
}

TEST_CASE("messages: malformed input is refused") {
    CHECK_FALSE(decode("", false));
    CHECK_FALSE(decode("x", false));   // no such type
    CHECK_FALSE(decode("f", true));    // the old, never used Fd type is gone
    // Trailing bytes after a type without fields.
    for (const char* t : {"u", "m", "r", "s", "h", "H", "R", "d"}) {
        CAPTURE(t);
        CHECK(decode(t, false));
        CHECK_FALSE(decode(bytes(t) + "x", false));
        CHECK_FALSE(decode(bytes(t) + std::string(1, '\0'), false));
    }
    // InitPid: decimal, > 0, no sign, no padding, within pid_max.
    for (const char* bad : {"p", "p0", "p-1", "p+5", "p 5", "p5 ", "p12a", "p0x10", "p007", "p99999999"}) {
        CAPTURE(bad);
        CHECK_FALSE(decode(bad, false));
    }
    // Error: the record's header cut short, a path longer than what follows,
    // an errno beyond MAX_ERRNO.
    CHECK_FALSE(decode(bytes("e") + std::string(5, '\0'), false));
    CHECK_FALSE(decode(bytes("e") + std::string("\2\0\0\0\x10\0ab", 8), false));
    CHECK_FALSE(decode(bytes("e") + std::string("\0\x10\0\0\0\0msg", 9), false));
    CHECK_FALSE(decode(bytes("e") + "mount proc on /p: Operation not permitted", false));  // the old text-only payload
    // State: JSON text only.
    CHECK_FALSE(decode("j", false));
    CHECK_FALSE(decode("j{\"pid\":1", false));
    CHECK_FALSE(decode("j{} trailing", false));
    // Console: a name, within ptsname's bound.
    CHECK_FALSE(decode("c", true));
    CHECK_FALSE(decode("c" + std::string(kMaxConsoleName + 1, 'p'), true));
    // Debug: what shorten makes and no more.
    CHECK(decode("D" + std::string(kMaxDebugLine, 'x'), false));
    CHECK_FALSE(decode("D" + std::string(kMaxDebugLine + 65, 'x'), false));
    // Beyond the size limit, whatever the type.
    CHECK_FALSE(decode("j\"" + std::string(kMaxMessage, 'x') + "\"", false));
}

TEST_CASE("messages: a descriptor only where the type has one") {
    CHECK(decode("cpts/0", true));
    CHECK_FALSE(decode("cpts/0", false));  // a Console without its master
    CHECK(decode("m", true));              // MapsDone: may carry the idmapped rootfs
    CHECK(decode("m", false));
    for (const char* t : {"u", "r", "s", "h", "H", "R", "d", "p12", "Dline", "j{}"}) {
        CAPTURE(t);
        CHECK(decode(t, false));
        CHECK_FALSE(decode(t, true));
    }
    CHECK_FALSE(decode(bytes("e") + std::string(6, '\0'), true));
    // encode refuses what decode would: a Console without master or name,
    // an InitPid that is not a pid.
    CHECK_THROWS_AS(encode(Console{"pts/0", Fd()}), Error);
    Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    CHECK_THROWS_AS(encode(Console{"", std::move(null)}), Error);
    CHECK_THROWS_AS(encode(InitPid{0}), Error);
    CHECK_THROWS_AS(encode(InitPid{-1}), Error);
}

TEST_CASE("messages: the size limit, at the boundary") {
    // A State fills the message up to the limit: the type byte and JSON
    // text ("" around the x's).
    const std::string at = "\"" + std::string(kMaxMessage - 3, 'x') + "\"";
    const Encoded e = encode(State{at});
    CHECK(e.bytes.size() == kMaxMessage);
    auto back = decode(e.bytes, false);
    REQUIRE(back);
    CHECK(std::get<State>(*back).json == at);
    // One byte more is refused by name, not sent to fail with EMSGSIZE.
    const std::string over = "\"" + std::string(kMaxMessage - 2, 'x') + "\"";
    CHECK_THROWS_WITH_AS(encode(State{over}), doctest::Contains("State message of 131073 bytes"), Error);
    CHECK_FALSE(decode("j" + over, false));
    // What the limit allows, the socket carries: the limit is below the
    // kernel's for one datagram, so no message within it meets EMSGSIZE.
    auto [parent, init] = sys::seqpacket_pair(ucrun::sys::linux_kernel());
    REQUIRE(send(parent.get(), State{at}));
    auto got_at = recv(init.get());
    REQUIRE(got_at);
    CHECK(std::get<State>(*got_at).json == at);

    // Error and Debug are shortened to fit, keeping head and tail.
    std::string line = "head " + std::string(1 << 20, 'l') + " tail";
    const Encoded d = encode(Debug{line});
    CHECK(d.bytes.size() < kMaxDebugLine + 64);
    const std::string got = std::get<Debug>(*decode(d.bytes, false)).line;
    CHECK(got.rfind("head lll", 0) == 0);
    CHECK(got.substr(got.size() - 5) == " tail");
    CHECK(got.find(" bytes ...]") != std::string::npos);
    // A line at the bound is left as it is.
    const std::string exact(kMaxDebugLine, 'x');
    CHECK(std::get<Debug>(*decode(encode(Debug{exact}).bytes, false)).line == exact);
}

TEST_CASE("messages: a 1 MB hostname's error crosses the socket, shortened") {
    // The init fails on sethostname with the name echoed in the message: the
    // parent gets the errno, the config path, the head and the tail.
    auto [parent, init] = sys::seqpacket_pair(ucrun::sys::linux_kernel());
    const std::string host(1 << 20, 'h');
    ErrorRecord r{EINVAL, "hostname", "sethostname " + host + " tail-marker"};
    REQUIRE(send(init.get(), ErrorMsg{r}));
    init.reset();
    auto m = recv(parent.get());
    REQUIRE(m);
    REQUIRE(std::holds_alternative<ErrorMsg>(*m));
    const ErrorRecord& got = std::get<ErrorMsg>(*m).error;
    CHECK(got.err == EINVAL);
    CHECK(got.path == "hostname");
    CHECK(got.message.rfind("sethostname hhhh", 0) == 0);
    CHECK(got.message.find(" bytes ...]") != std::string::npos);
    CHECK(got.message.substr(got.message.size() - 12) == " tail-marker");
    CHECK(got.message.size() <= kMaxErrorMessage + 64);
    CHECK_THROWS_WITH_AS(throw_error(got), doctest::Contains("config.json: hostname: sethostname hhhh"), ConfigError);
    CHECK_FALSE(recv(parent.get()));  // then EOF
}

TEST_CASE("messages: a descriptor crosses the socketpair") {
    auto [parent, init] = sys::seqpacket_pair(ucrun::sys::linux_kernel());
    // A pipe: what is written on our end is read on the one received.
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    Fd r(p[0]), w(p[1]);
    struct stat sent;
    REQUIRE(::fstat(r.get(), &sent) == 0);
    REQUIRE(send(init.get(), Console{"pts/7", std::move(r)}));
    auto m = recv(parent.get());
    REQUIRE(m);
    Console& c = std::get<Console>(*m);
    CHECK(c.name == "pts/7");
    REQUIRE(c.master);
    struct stat got;
    REQUIRE(::fstat(c.master.get(), &got) == 0);
    CHECK(got.st_ino == sent.st_ino);
    CHECK((::fcntl(c.master.get(), F_GETFD) & FD_CLOEXEC) != 0);  // MSG_CMSG_CLOEXEC
    REQUIRE(::write(w.get(), "x", 1) == 1);
    char ch = 0;
    CHECK(::read(c.master.get(), &ch, 1) == 1);
    CHECK(ch == 'x');

    // MapsDone with and without its descriptor.
    REQUIRE(send(parent.get(), MapsDone{Fd(::open("/", O_PATH | O_CLOEXEC))}));
    REQUIRE(send(parent.get(), MapsDone{}));
    auto with = recv(init.get());
    auto without = recv(init.get());
    REQUIRE(with);
    REQUIRE(without);
    CHECK(std::get<MapsDone>(*with).rootfs);
    CHECK_FALSE(std::get<MapsDone>(*without).rootfs);

    // A descriptor on a type without one: refused, and not kept open.
    const size_t before = open_fds();
    REQUIRE(sys::send_msg(init.get(), "r", w.get()));
    CHECK_THROWS_WITH_AS(recv(parent.get()), doctest::Contains("malformed message"), Error);
    CHECK(open_fds() == before);
    // A Console without its master.
    REQUIRE(sys::send_msg(init.get(), "cpts/1"));
    CHECK_THROWS_AS(recv(parent.get()), Error);
}

TEST_CASE("messages: wait_for names what it got instead") {
    auto [parent, init] = sys::seqpacket_pair(ucrun::sys::linux_kernel());
    REQUIRE(send(parent.get(), Ready{}));
    CHECK_THROWS_WITH_AS(wait_for<Start>(init.get()), "unexpected message from ucrun: Ready instead of Start", Error);
    REQUIRE(send(parent.get(), State{"{}"}));
    CHECK(wait_for<State>(init.get()).json == "{}");
    parent.reset();
    CHECK_THROWS_WITH_AS(wait_for<Start>(init.get()), "ucrun exited before the container process was started", Error);
}
