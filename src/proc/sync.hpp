// Typed messages between ucrun and the container's init over one
// SOCK_SEQPACKET socketpair. One byte of type, then the payload. An error
// in the init travels to the parent as an Error message carrying its errno,
// the config.json path it was applying and its text (proc/error_msg.hpp);
// no exception crosses the clone boundary.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "sys/fd.hpp"

namespace ucrun::proc {

enum class Msg : char {
    NeedMaps = 'u',  // init -> parent: my new user namespace wants uid_map/gid_map
    MapsDone = 'm',  // parent -> init: maps written
    InitPid = 'p',   // init -> parent: payload is the host pid of the real init (join path)
    Ready = 'r',     // init -> parent: set up, waiting for start
    Start = 's',     // parent -> init: exec now (run; create uses the exec FIFO)
    Error = 'e',     // init -> parent: payload is an encoded ErrorRecord (proc/error_msg.hpp)
    State = 'j',     // parent -> init: container process state JSON (seccomp listener)
    Fd = 'f',        // init -> parent: a descriptor attached (console master, seccomp notify fd)
    Hooks = 'h',     // init -> parent: namespaces and mounts made, before pivot_root: run prestart/createRuntime
    HooksDone = 'H', // parent -> init: those hooks succeeded (on failure the parent kills the init)
    Console = 'c',   // init/exec -> parent: the pty master attached, payload its name (terminal, no --console-socket)
    Recorded = 'R',  // parent -> init (create): the container is on record; the init may outlive ucrun now
    Detached = 'd',  // init -> parent: no longer dies with ucrun (answer to Recorded: ucrun may exit)
    Debug = 'D',     // init -> parent: a line for the debug log (the init has no logger)
};

bool send(int sock, Msg type, std::string_view payload = {}, int fd = -1);
// Returns false on EOF. Throws on socket errors.
bool recv(int sock, Msg& type, std::string& payload, Fd* fd = nullptr);

// The payload of Msg::InitPid: a decimal pid > 0 and nothing else; nullopt
// otherwise. Strict because the parent goes on to wait for, kill and
// record that pid: a 0 or -1 taken as it comes (std::stol did) would make
// kill(2) hit ucrun's own process group or every process (found by
// tests/fuzz/fuzz_message.cpp).
std::optional<pid_t> decode_pid(std::string_view payload);

// The init and exec's child die with ucrun until they are on record or
// released: a command killed at any moment must not leave a process behind
// that goes on setting up a container (PR_SET_PDEATHSIG). The signal only
// covers a future death: a parent already gone is seen as the hang-up of
// its end of `sync`. The kernel clears the setting whenever the process's
// ids change (prctl(2)): call it again after each change.
void die_with_parent(int sync);
void outlive_parent();

// In the init or an exec'd process: blocks for the parent's `want`;
// throws ucrun::Error when the parent is gone or says something else.
void wait_for(int sock, Msg want);

}  // namespace ucrun::proc
