// The messages between ucrun and the container's init (or an exec'd
// process) over one SOCK_SEQPACKET socketpair: one type per message, with
// its fields, and one encoder and decoder. No system call here: the
// transport is proc/sync.hpp, which attaches and receives the descriptors.
//
// Wire format, one datagram per message: a type byte, then the payload of
// that type, nothing else (trailing bytes are refused):
//   empty      NeedMaps Ready Start Hooks HooksDone Recorded Detached
//   MapsDone   empty; an fd may be attached (the idmapped rootfs)
//   InitPid    the pid in decimal, > 0, no sign, no leading zero
//   Error      the ErrorRecord encoding (proc/error_msg.hpp)
//   State      the container process state, JSON text
//   Console    the pty's name; the master attached (required)
//   Debug      one line of text
// A descriptor attached to any other type, or missing from Console, makes
// the message malformed. The init runs the container's setup: what it
// sends is checked, never trusted.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proc/error_msg.hpp"
#include "sys/fd.hpp"

namespace ucrun::proc {

// One datagram, type byte included. Below the default maximum of one
// unix datagram (net.core.wmem_default, 208 KiB, minus overhead), so that a
// message within it is never lost to EMSGSIZE. What may be long is
// shortened (Error, Debug: their text keeps head and tail) or refused
// (State: encode throws, the sender reports it).
constexpr size_t kMaxMessage = 128 * 1024;
constexpr size_t kMaxDebugLine = 4096;
constexpr size_t kMaxConsoleName = 128;  // ptsname_r's buffer in proc/terminal.cpp

struct NeedMaps {};   // init -> parent: my new user namespace wants uid_map/gid_map
struct MapsDone {     // parent -> init: maps written
    // A remapped container's idmapped rootfs (mount/rootfs_idmap.hpp),
    // made once our user namespace has its maps; empty otherwise.
    Fd rootfs;
};
struct InitPid {      // init -> parent: the host pid of the real init (join path)
    pid_t pid = 0;
};
struct Ready {};      // init -> parent: set up, waiting for start
struct Start {};      // parent -> init: exec now (run, exec; create uses the exec FIFO)
struct ErrorMsg {     // init -> parent: what failed, then the init exits
    ErrorRecord error;
};
struct State {        // parent -> init: container process state (seccomp listener)
    std::string json;
};
struct Hooks {};      // init -> parent: namespaces and mounts made, before pivot_root
struct HooksDone {};  // parent -> init: prestart/createRuntime succeeded (on failure the init is killed)
struct Console {      // init/exec -> parent: the pty master (terminal, no --console-socket)
    std::string name;
    Fd master;
};
struct Recorded {};   // parent -> init (create): on record; the init may outlive ucrun now
struct Detached {};   // init -> parent: no longer dies with ucrun (ucrun may exit)
struct Debug {        // init -> parent: a line for the debug log (the init has no logger)
    std::string line;
};

// The order is the wire's type bytes' table (messages.cpp).
using Message = std::variant<NeedMaps, MapsDone, InitPid, Ready, Start, ErrorMsg, State, Hooks, HooksDone, Console,
                             Recorded, Detached, Debug>;

// The name of a message's type, for errors ("expected MapsDone, got Ready").
std::string_view name_of(const Message& m);

struct Encoded {
    std::string bytes;
    int fd = -1;  // to attach (borrowed from the message), -1: none
};
// Error and Debug are shortened to fit; a State or a Console name beyond
// the bounds throws ucrun::Error naming the message: a limit says so, it
// is never exceeded in silence.
Encoded encode(const Message& m);

// nullopt when `bytes` (with or without a descriptor attached, as
// `fd_attached` says) is not what encode() makes. The Fd fields of the
// result are empty: the transport moves the received descriptor in.
std::optional<Message> decode(std::string_view bytes, bool fd_attached);

// The strict decimal pid of InitPid: a 0 or -1 taken as it comes (std::stol
// did) would make the parent's kill(2) hit its own process group or every
// process (found by tests/fuzz/fuzz_message.cpp).
std::optional<pid_t> decode_pid(std::string_view payload);

}  // namespace ucrun::proc
