// The state store: <root>/<id>/state.json, written atomically (write +
// rename), guarded by a flock on the container's directory so that
// concurrent commands on one id cannot corrupt it (runtime.md "State").
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroup/saved.hpp"
#include "oci/config.hpp"
#include "oci/dom.hpp"
#include "oci/state.hpp"
#include "sys/fd.hpp"

namespace ucrun::state {

// What ucrun keeps about a container between commands.
struct Record {
    oci::State state;            // id, bundle, annotations, rootfs, created, owner; status as last written: only "creating" means anything (live_status)
    pid_t pid = 0;               // host pid of the container's init, 0 once reaped/never started
    uint64_t pid_start_time = 0; // /proc/<pid>/stat field 22: guards against pid reuse
    std::optional<cgroup::Saved> cgroup;  // the cgroup manager create made (none: disabled)
    oci::Hooks hooks;            // config.json's, for poststart (start, run) and poststop (delete)
    // "dev:ino" of the init's executable while it waits for `start`: ucrun's
    // (own_exe_id at create), or the trampoline's memfd where that waits
    // (proc/init.hpp detach_in_trampoline).
    std::string init_exe;
    // config.json as given to create lives in <dir>/config.json, read only
    // by the commands that need it (exec, update): state/list/kill/delete
    // read one small file.
};

class NotFound : public std::runtime_error {
public:
    // runc wording, podman matches it: "container <id> does not exist"
    explicit NotFound(const std::string& id) : std::runtime_error("container " + id + " does not exist") {}
};

// A state file that cannot be read back: names the file and what is wrong
// (state/record_json.hpp). `salvaged` holds what could still be read
// (init pid and start time, cgroup), for `delete --force`; `lost`, what
// the record names but could not be salvaged ("" when nothing).
class Corrupt : public std::runtime_error {
public:
    Corrupt(const std::string& file, const std::string& reason, Record salvaged = {}, std::string lost = {})
        : std::runtime_error(file + ": corrupt state file: " + reason), reason_(reason),
          salvaged_(std::move(salvaged)), lost_(std::move(lost)) {}
    const std::string& reason() const { return reason_; }
    const Record& salvaged() const { return salvaged_; }
    const std::string& lost() const { return lost_; }

private:
    std::string reason_;
    Record salvaged_;
    std::string lost_;
};

// A container id is a name, never a path (runtime.md "State": the id is
// unique on the host; runc's rule). Throws ucrun::Error "invalid container
// id ..." for anything that is not one safe path component.
const std::string& checked_id(const std::string& id);

// Every method that takes an id checks it (checked_id) and touches only the
// direct child <root>/<id>, through a descriptor of the root opened once
// (openat with O_NOFOLLOW): no id, however it was obtained, can make the
// store open or remove anything outside its root.
class Store {
public:
    explicit Store(std::string root);

    const std::string& root() const { return root_; }
    // The path of a container's directory, for messages and for files that
    // other modules place there (exec.fifo, the notify socket).
    std::string dir(const std::string& id) const { return root_ + "/" + checked_id(id); }

    // Creates <root>/<id>/ (exclusively: a duplicate id fails with
    // "container with id exists: <id>" as runc says) and returns a locked fd on it.
    Fd create_dir(const std::string& id);
    // Throws create_dir's "container with id exists" when <root>/<id> is
    // there (whatever it is), for a create that must know before it takes
    // resources keyed by the id; create_dir still decides races.
    void check_free(const std::string& id) const;
    // Locks an existing container directory (LOCK_EX); throws NotFound.
    Fd lock(const std::string& id) const;
    // Whether some command holds the directory's lock now (a `create` holds
    // it until it is done): false once that command is gone, whatever it
    // left behind.
    bool locked(const std::string& id) const;
    Record load(const std::string& id) const;  // throws NotFound, Corrupt
    void save(const Record& r) const;          // atomic
    // save() in two steps: the record's text, then its atomic write (a
    // create prepares its last record while the init sets up).
    static std::string encode(const Record& r);
    void save_encoded(const std::string& id, std::string_view text) const;
    // The container's config.json (as given at create, with updates).
    void save_config(const std::string& id, std::string_view text) const;  // atomic
    nlohmann::json load_config(const std::string& id) const;  // to edit it (update)
    // To read it (exec): the read-only DOM a start parses (oci/dom.hpp).
    oci::dom::Document load_config_dom(const std::string& id) const;
    // A file private to the runtime in the container's directory (the
    // compiled seccomp program, container/seccomp_cache.hpp): written
    // atomically with mode 0600; read back only when it is a regular file
    // (never through a symlink) owned by the effective uid, with no group
    // or other permission bits, and at most `max_bytes` long (else Error
    // naming the file). nullopt when it does not exist.
    void save_private(const std::string& id, const std::string& name, std::string_view data) const;
    std::optional<std::string> load_private(const std::string& id, const std::string& name, size_t max_bytes) const;
    // The directory and all in it; throws SysError when it stays (e.g. a
    // read-only root), absent already is fine.
    void remove(const std::string& id) const;
    std::vector<std::string> list_ids() const;
    // <root>/<name>, a directory of the runtime's own beside the containers'
    // (`name` must hold a character no id has, '@': no id names it and
    // list_ids skips it), made 0700 when `create`. Only when it is ours: a
    // directory owned by the effective uid that no one else may write in;
    // else (absent, or not ours) empty, with no error.
    Fd own_dir(const std::string& name, bool create) const;
    // Whether <root>/<id>/<name> exists (not following a final symlink):
    // one fstatat relative to the root fd, no path from / (issue 17).
    bool has_file(const std::string& id, const char* name) const;

private:
    // The root directory, opened on first use (created by create_dir).
    int root_fd(bool create = false) const;
    // <root>/<id>, never following a symlink; throws NotFound when absent.
    Fd open_dir(const std::string& id) const;

    std::string root_;
    mutable Fd rootfd_;
};

// Live status of a recorded container: stopped when its pid is gone or has
// been reused (start time differs) or when the record says "creating" but
// no create holds the directory any more (killed before it recorded the
// init's pid, whose init died with it), creating while the record says so,
// created while the exec FIFO still exists and the init has not executed
// the user's program yet, paused when `frozen` says so, else running.
// `frozen` is asked only of a live, created container (it reads the
// cgroup: `list` of many stopped containers need not).
oci::Status live_status(const Store& store, const Record& r, const std::function<bool()>& frozen = nullptr);

// "dev:ino" of this process's executable, of process `pid`'s ("" when it
// cannot be read). While the init waits for `start` it runs the image of
// the ucrun that created it, or the trampoline's memfd (Record::init_exe);
// after the program's execve, never again.
std::string own_exe_id();
std::string fd_file_id(int fd);  // "dev:ino" of an open file, "" on failure
std::string exe_id(pid_t pid);

// <dirfd>/<name> as load_private reads it (`path` names it in errors):
// nullopt when absent; Error when it is not a regular file of ours with no
// group or other bits, or is over `max_bytes`.
std::optional<std::string> read_private_at(int dirfd, const std::string& name, size_t max_bytes,
                                           const std::string& path);

// /proc/<pid>/stat starttime, 0 if the process is gone.
uint64_t process_start_time(pid_t pid);

}  // namespace ucrun::state
