// runtime.md "Operations" on an existing container: start, kill, delete,
// state, and the wait of `run`.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "container/context.hpp"
#include "container/create.hpp"
#include "state/store.hpp"

namespace ucrun::container {

// The record with its live status filled in (state.status).
state::Record load_live(const Context& ctx, const std::string& id);
// The same through a store already open (`list`: one root fd for all).
// With `pin`, a pidfd of the recorded init is opened before its liveness
// is checked: a live status then means the pidfd is that init (`exec`;
// one read of /proc/<pid>/stat, not two). Empty when it is gone.
state::Record load_live(const state::Store& store, const std::string& id, Fd* pin = nullptr);

void start(Context& ctx, const std::string& id);
void kill(Context& ctx, const std::string& id, int sig, bool all);
void remove(Context& ctx, const std::string& id, bool force);

// run: releases the init (the Start message), forwards signals to it, reaps it and
// returns its exit status as a shell would (128+N for signal N).
// A bound notify socket (`notify`, container/activation.hpp) has its
// READY= forwarded while waiting; a pty master in c.console is proxied.
int run_foreground(Context& ctx, const std::string& id, Created& c, int notify = -1);
void release(Context& ctx, const std::string& id, Created& c);

}  // namespace ucrun::container
