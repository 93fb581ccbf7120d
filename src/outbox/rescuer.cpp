#include "outbox/rescuer.h"

#include "obs/log.h"
#include "store/outbox_store.h"

namespace shopd {

int rescue_abandoned(store::Store& store, const std::string& my_owner, TimePoint now, bool at_startup) {
  const auto abandoned =
      store.read([&](store::Connection& db) { return store::find_abandoned(db, now, my_owner, at_startup); });
  int rescued = 0;
  for (const auto& job : abandoned) {
    // Lease-guarded: a worker that finished the job meanwhile wins.
    if (!store.writer().run_always([&](store::Tx& tx) { return store::requeue_abandoned(tx, job, now); })) continue;
    ++rescued;
    log::warn("job rescued", {{"job_id", job.id},
                              {"order_id", job.order_id},
                              {"kind", job.kind},
                              {"attempt", job.attempts},
                              {"reason", at_startup ? "shopd stopped while the job was running"
                                                    : "the job's lease expired"}});
  }
  return rescued;
}

}  // namespace shopd
