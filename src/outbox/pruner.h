// Retention: deletes what nobody needs any more, in small batches (each its
// own short write, so intake never waits long behind it):
//   - done jobs (and their attempts) of completed orders, older than
//     retention.done_job_days; orders, invoices and dead or discarded jobs
//     are records and stay;
//   - Idempotency-Key records older than their 24 hours.
//
// Threads: call from one thread at a time (the worker's dispatcher).
#pragma once

#include "config/config.h"
#include "core/time.h"
#include "store/store.h"

namespace shopd {

struct Pruned {
  int jobs = 0;
  int idempotency_keys = 0;
};

Pruned prune_old_rows(store::Store& store, const Config::Retention& retention, TimePoint now, int batch = 500);

}  // namespace shopd
