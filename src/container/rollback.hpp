// The undo of a half-made container (create, room 3 with the record): each
// thing create makes is registered as it is made (the id block of a
// remapped container, the state directory, the poststop hooks' run, the
// cgroup, the init process); unless commit() is called, the destructor
// undoes exactly those, in reverse order, whatever the create failed on.
// runtime.md "Lifecycle": a failed create continues at step 12 (destroy)
// and 13 (poststop hooks); runc does the same.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ucrun::container {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    // Runs the undo steps, last made first. A step that throws does not
    // stop the others: the create's own error is what gets reported.
    ~Rollback();

    // `undo` undoes what was just made; `what` names it (for tests and the
    // debug log).
    void add(std::string what, std::function<void()> undo);
    // The container exists: nothing is undone.
    void commit() { steps_.clear(); }
    // What would be undone, in the order it would be.
    std::vector<std::string> pending() const;

private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace ucrun::container
