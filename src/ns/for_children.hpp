// setns(2) of a pid or time namespace changes where the caller's future
// children are born (/proc/self/ns/pid_for_children, time_for_children),
// never the caller itself. ucrun enters them only for the one clone3 that
// must be born inside (the init of a container joining a pid namespace,
// exec's child), and then leaves them: every later child of ucrun belongs
// to the host, as it would without the join. That matters for the hooks
// `create` and `run` start afterwards (config.md "POSIX-platform Hooks":
// prestart, createRuntime, poststart and poststop run in the runtime
// namespace; born in a pod's pid namespace, a host hook would be visible
// to, and signalled by, its containers), and for LeakSanitizer in a
// sanitizer build, which clones a helper at exit to ptrace its parent:
// from inside the container's pid namespace the helper cannot see it, and
// the exit hangs.
#pragma once

#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::ns {

class ChildrenIn {
public:
    // `k`: the kernel the namespaces are entered on (sys/kernel.hpp).
    explicit ChildrenIn(const sys::Kernel& k) : k_(k) {}
    ~ChildrenIn() {
        try {
            leave();
        } catch (...) {  // unwinding already: the command is failing
        }
    }
    ChildrenIn(const ChildrenIn&) = delete;
    ChildrenIn& operator=(const ChildrenIn&) = delete;

    // Children born from now on are in the namespaces `flags` (CLONE_NEWPID,
    // CLONE_NEWTIME) of `target` (a pidfd, or a namespace fd of that one
    // type). False with errno when setns(2) fails.
    bool enter(int target, unsigned long flags);

    // The same for a caller that makes no other child afterwards (exec:
    // its one child, then it only waits): nothing is opened to come back
    // to, and leave() does nothing. That saves three cold lookups in
    // /proc/self/ns and their checks (~40 us on this host; tests/bench/
    // PERFORMANCE.md, "eighth pass"). A sanitizer build enters as enter()
    // does, and the destructor comes back (its leak check at exit).
    bool enter_for_good(int target, unsigned long flags);

    // Our own namespaces for children again (setns to the caller's own
    // pid namespace is allowed: it is not an ancestor). Throws SysError.
    void leave();

private:
    // Opens our own pid and time namespaces to come back to, when we can:
    // setns back needs CAP_SYS_ADMIN in the user namespace owning them,
    // which a rootless ucrun (or one that joined a container's user
    // namespace first, as rootless exec does) does not have. Then nothing
    // can be undone, and a sanitizer build runs its leak check before
    // entering.
    void open_own();

    const sys::Kernel& k_;
    bool opened_ = false;
    bool can_return_ = false;
    Fd own_pid_;
    Fd own_time_;
    unsigned long entered_ = 0;
};

}  // namespace ucrun::ns
