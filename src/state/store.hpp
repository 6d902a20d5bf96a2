// The state store: <root>/<id>/state.json, written atomically (write +
// rename), guarded by a flock on the container's directory so that
// concurrent commands on one id cannot corrupt it (runtime.md "State").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/state.hpp"
#include "sys/fd.hpp"

namespace ucrun::state {

// What ucrun keeps about a container between commands.
struct Record {
    oci::State state;            // id, bundle, annotations, rootfs, created, owner; status as last written
    pid_t pid = 0;               // host pid of the container's init, 0 once reaped/never started
    uint64_t pid_start_time = 0; // /proc/<pid>/stat field 22: guards against pid reuse
    nlohmann::json cgroup;       // serialized cgroup manager (null: none)
    nlohmann::json hooks;        // config.json's hooks (null: none), for start and delete
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
// (init pid and start time, cgroup), for `delete --force`.
class Corrupt : public std::runtime_error {
public:
    Corrupt(const std::string& file, const std::string& reason, Record salvaged = {})
        : std::runtime_error(file + ": corrupt state file: " + reason), reason_(reason),
          salvaged_(std::move(salvaged)) {}
    const std::string& reason() const { return reason_; }
    const Record& salvaged() const { return salvaged_; }

private:
    std::string reason_;
    Record salvaged_;
};

class Store {
public:
    explicit Store(std::string root);

    const std::string& root() const { return root_; }
    std::string dir(const std::string& id) const { return root_ + "/" + id; }

    // Creates <root>/<id>/ (exclusively: a duplicate id fails with
    // "container with id exists: <id>" as runc says) and returns a locked fd on it.
    Fd create_dir(const std::string& id);
    // Locks an existing container directory (LOCK_EX); throws NotFound.
    Fd lock(const std::string& id) const;
    Record load(const std::string& id) const;  // throws NotFound, Corrupt
    void save(const Record& r) const;          // atomic
    // The container's config.json (as given at create, with updates).
    void save_config(const std::string& id, std::string_view text) const;  // atomic
    nlohmann::json load_config(const std::string& id) const;
    void remove(const std::string& id) const;  // the directory and all in it
    std::vector<std::string> list_ids() const;

private:
    std::string root_;
};

// Live status of a recorded container: stopped when its pid is gone or has
// been reused (start time differs), created while the exec FIFO still exists,
// paused when `frozen` says so, else running.
oci::Status live_status(const Store& store, const Record& r, bool frozen = false);

// /proc/<pid>/stat starttime, 0 if the process is gone.
uint64_t process_start_time(pid_t pid);

}  // namespace ucrun::state
