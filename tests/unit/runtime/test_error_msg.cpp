#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "oci/error.hpp"
#include "proc/error_msg.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"
#include "sys/socket.hpp"

using namespace ucrun;

namespace {
// What the parent throws for `payload`: its type and text.
std::string thrown(const std::string& payload, std::string* type = nullptr, std::string_view prefix = {}) {
    auto r = proc::decode(payload);
    if (!r) return "malformed";
    try {
        proc::throw_error(*r, prefix);
    } catch (const ConfigError& e) {
        if (type) *type = "ConfigError";
        return e.what();
    } catch (const SysError& e) {
        if (type) *type = "SysError";
        return e.what();
    } catch (const Error& e) {
        if (type) *type = "Error";
        return e.what();
    }
    return "nothing thrown";
}
}  // namespace

TEST_CASE("error record: round trip of errno, config path and message") {
    proc::ErrorRecord r{ENOENT, "mounts[3].source", "bind /x on /b/rootfs/y"};
    auto back = proc::decode(proc::encode(r));
    REQUIRE(back);
    CHECK(back->err == ENOENT);
    CHECK(back->path == "mounts[3].source");
    CHECK(back->message == "bind /x on /b/rootfs/y");

    std::string type;
    CHECK(thrown(proc::encode(r), &type) ==
          "config.json: mounts[3].source: bind /x on /b/rootfs/y: No such file or directory");
    CHECK(type == "ConfigError");
    CHECK(thrown(proc::encode({EPERM, "", "mount proc on /p"}), &type) == "mount proc on /p: Operation not permitted");
    CHECK(type == "SysError");
    // Exec errors keep runc's wording untouched.
    const std::string exec = "exec: \"x\": executable file not found in $PATH";
    CHECK(thrown(proc::encode({0, "", exec}), &type, "unable to start container process: ") ==
          "unable to start container process: " + exec);
    CHECK(type == "Error");
    CHECK(thrown(proc::encode({0, "hostname", "too long"}), &type) == "config.json: hostname: too long");
    // Bytes of any value, NULs included, cross unchanged.
    std::string odd("a\0b\xff", 4);
    auto o = proc::decode(proc::encode({1, odd, odd}));
    REQUIRE(o);
    CHECK(o->path == odd);
    CHECK(o->message == odd);
}

TEST_CASE("error record: from the exceptions thrown in the init") {
    auto rec = proc::error_record(ConfigError("linux.namespaces[2].path", "join network namespace /x", EINVAL));
    CHECK(rec.err == EINVAL);
    CHECK(rec.path == "linux.namespaces[2].path");
    CHECK(rec.message == "join network namespace /x");
    rec = proc::error_record(SysError("mount proc on /p", EPERM));
    CHECK(rec.err == EPERM);
    CHECK(rec.path.empty());
    CHECK(rec.message == "mount proc on /p");
    rec = proc::error_record(oci::SpecError("config.json", "mounts[0].destination", "resolves to the root"));
    CHECK(rec.path == "mounts[0].destination");
    CHECK(rec.message == "resolves to the root");
    rec = proc::error_record(oci::SpecError("process.json", "args", "is required"));
    CHECK(rec.path.empty());
    CHECK(rec.message == "process.json: args: is required");
    rec = proc::error_record(Error("plain"));
    CHECK(rec.err == 0);
    CHECK(rec.message == "plain");
}

TEST_CASE("error record: an oversized message is shortened, not lost") {
    // 1 MiB: far more than a SOCK_SEQPACKET datagram takes (~200 KiB).
    std::string big = "sethostname " + std::string(1 << 20, 'h') + " tail-marker";
    std::string wire = proc::encode({EINVAL, std::string(5000, 'p'), big});
    CHECK(wire.size() < proc::kMaxErrorPath + proc::kMaxErrorMessage + 100);
    auto r = proc::decode(wire);
    REQUIRE(r);
    CHECK(r->err == EINVAL);
    CHECK(r->path.size() == proc::kMaxErrorPath);
    CHECK(r->message.rfind("sethostname hhh", 0) == 0);
    CHECK(r->message.find(" bytes ...]") != std::string::npos);
    // The tail is kept: exec errors end with the reason.
    CHECK(r->message.size() >= 12);
    CHECK(r->message.substr(r->message.size() - 12) == " tail-marker");
    // A message at the bound is left as it is.
    std::string exact(proc::kMaxErrorMessage, 'x');
    CHECK(proc::decode(proc::encode({0, "", exact}))->message == exact);
}

TEST_CASE("error record: malformed payloads are refused") {
    CHECK_FALSE(proc::decode(""));
    CHECK_FALSE(proc::decode(std::string("\0\0\0", 3)));
    CHECK_FALSE(proc::decode(std::string("\0\0\0\0\0", 5)));  // header cut short
    // The old text-only payload.
    CHECK_FALSE(proc::decode("mount proc on /p: Operation not permitted"));
    // A path longer than the rest of the message.
    CHECK_FALSE(proc::decode(std::string("\2\0\0\0\x10\0ab", 8)));
    // An errno beyond MAX_ERRNO.
    CHECK_FALSE(proc::decode(std::string("\0\x10\0\0\0\0msg", 9)));
    // A path beyond the bound.
    std::string long_path = std::string("\0\0\0\0\x01\x08", 6) + std::string(0x801, 'p');
    CHECK_FALSE(proc::decode(long_path));
    // A message beyond what encode() makes.
    CHECK_FALSE(proc::decode(std::string(6, '\0') + std::string(proc::kMaxErrorMessage + 1000, 'm')));
    CHECK(thrown("garbage") == "malformed");
    // The empty record is well formed.
    CHECK(proc::decode(std::string(6, '\0')));
}

TEST_CASE("with_config_path: the innermost path wins") {
    auto inner = [] { throw ConfigError("mounts[1].source", "bind /x on /y", ENOENT); };
    CHECK_THROWS_WITH_AS(with_config_path("mounts[1]", inner),
                         "config.json: mounts[1].source: bind /x on /y: No such file or directory", ConfigError);
    CHECK_THROWS_WITH_AS(with_config_path("mounts[1]", [] { throw SysError("mkdir /y", EACCES); }),
                         "config.json: mounts[1]: mkdir /y: Permission denied", ConfigError);
    CHECK_THROWS_WITH_AS(with_config_path("mounts[1]", [] { throw Error("must be a directory"); }),
                         "config.json: mounts[1]: must be a directory", ConfigError);
    CHECK(with_config_path("x", [] { return 7; }) == 7);
    // A ConfigError is a SysError: code() still answers.
    try {
        with_config_path("mounts[1]", [] { throw SysError("mount sysfs", EPERM); });
    } catch (const SysError& e) {
        CHECK(e.code() == EPERM);
    }
}

TEST_CASE("sync socket: the init's last message survives its death with our message unread") {
    // The parent sent something the init never read (a State message before
    // the init failed), then the init sent its Error and exited: the kernel
    // reports ECONNRESET first (unix_release_sock), the Error still queued.
    auto [parent, init] = sys::seqpacket_pair(ucrun::sys::linux_kernel());
    REQUIRE(sys::send_msg(parent.get(), "unread by the init"));
    REQUIRE(sys::send_msg(init.get(), proc::encode({ENOENT, "mounts[0].source", "bind /x on /y"})));
    init.reset();
    std::string got;
    REQUIRE(sys::recv_msg(parent.get(), got));
    CHECK(thrown(got) == "config.json: mounts[0].source: bind /x on /y: No such file or directory");
    CHECK_FALSE(sys::recv_msg(parent.get(), got));  // then EOF
}

TEST_CASE("InitPid payload: a pid > 0 in decimal digits, nothing else") {
    using ucrun::proc::decode_pid;
    CHECK(decode_pid("1") == 1);
    CHECK(decode_pid("4194304") == 4194304);  // pid_max's ceiling
    for (const char* bad : {"", "0", "-1", "+5", " 5", "5 ", "12a", "0x10", "007", "99999999"})
        CHECK_MESSAGE(!decode_pid(bad), bad);
}
