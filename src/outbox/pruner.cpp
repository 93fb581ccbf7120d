#include "outbox/pruner.h"

#include "store/idempotency_store.h"
#include "store/outbox_store.h"

namespace shopd {

namespace {

// Runs `prune_one_batch` until a batch comes back short; returns the total.
template <class F>
int in_batches(store::Store& store, int batch, F prune_one_batch) {
  int total = 0;
  for (;;) {
    const int n = store.writer().run_always([&](store::Tx& tx) { return prune_one_batch(tx, batch); });
    total += n;
    if (n < batch) return total;
  }
}

}  // namespace

Pruned prune_old_rows(store::Store& store, const Config::Retention& retention, TimePoint now, int batch) {
  const auto jobs_before = now - std::chrono::hours(24) * retention.done_job_days;
  const auto keys_before = now - store::kIdempotencyKeyLifetime;
  Pruned pruned;
  pruned.jobs = in_batches(store, batch,
                           [&](store::Tx& tx, int limit) { return store::prune_done_jobs(tx, jobs_before, limit); });
  pruned.idempotency_keys = in_batches(
      store, batch, [&](store::Tx& tx, int limit) { return store::prune_idempotency_keys(tx, keys_before, limit); });
  return pruned;
}

}  // namespace shopd
