// Where a job dies. This is the only place in shopd that marks a job dead.
//
// In the caller's transaction (the one that ends the job's last attempt) it:
//   1. marks the job dead (lease-guarded; a stale worker changes nothing),
//   2. sets the order's status (payment_failed / needs_attention),
//   3. enqueues what follows a death in the job graph (for a dead payment:
//      inventory.release and email.payment_failed, which tells the customer),
//   4. enqueues alert.team, whose payload names the dead job; the alert reads
//      the dead job's full attempt history when it runs.
// A dead alert.team raises nothing further: it is logged at `critical`.
//
// REQUIRES: called inside the writer's transaction.
#pragma once

#include "config/config.h"
#include "store/outbox_store.h"
#include "store/writer.h"

namespace shopd {

// Returns false when the lease was lost (nothing was written).
bool kill_job(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, const Config& config);

}  // namespace shopd
