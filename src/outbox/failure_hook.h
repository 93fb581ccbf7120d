// Where a job dies. This is the only place in shopd that marks a job dead.
//
// In the caller's transaction (the one that ends the job's last attempt) it:
//   1. marks the job dead (lease-guarded; a stale worker changes nothing),
//   2. enqueues what follows a death in the job graph (for a payment the
//      provider answered: inventory.release and email.payment_failed, which
//      tells the customer; nothing for a payment that died unreachable, since
//      it may have been charged),
//   3. sets the order's status (payment_failed / needs_attention),
//   4. enqueues alert.team, whose payload names the dead job, and records the
//      alert in `alerts`; the alert reads the dead job's full attempt history
//      when it runs.
// A dead alert.team raises nothing further: its channels still pending are
// marked failed, and when none delivered it is logged at `critical` once
// (and counted by /metrics and `shopd check` from the alerts table).
//
// REQUIRES: called inside the writer's transaction.
#pragma once

#include "config/config.h"
#include "store/outbox_store.h"
#include "store/writer.h"

namespace shopd {

// Returns false when the lease was lost (nothing was written).
bool kill_job(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, const Config& config);

// The early warning: `job` is still retrying, but its provider has not
// answered since `since` (longer than alerts.provider_down_seconds). Enqueues
// alert.team and records the alert like a death's, naming the waiting job;
// the alert says the job keeps retrying until retry.unreachable_seconds.
// The executor raises it once per outage, in the write that records the
// job's retry.
void raise_unreachable_alert(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, TimePoint since,
                             const Config& config);

}  // namespace shopd
