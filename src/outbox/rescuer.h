// The rescuer: finds running jobs nobody is working on and puts them back in
// the queue. A job is abandoned when its lease expired (its worker hung or
// vanished), or, at startup, when another process left it running (the
// server holds the database's lock file, so that process is gone).
//
// A rescued job is never killed, whatever attempt it was on: an interrupted
// attempt does not count, and for a payment nobody knows whether the
// provider charged; the next attempt asks again with the same
// Idempotency-Key and finds out (SPEC section 4).
//
// Threads: call from one thread at a time (the worker's dispatcher).
#pragma once

#include <string>

#include "core/time.h"
#include "store/store.h"

namespace shopd {

// Returns how many jobs went back to the queue.
int rescue_abandoned(store::Store& store, const std::string& my_owner, TimePoint now, bool at_startup);

}  // namespace shopd
