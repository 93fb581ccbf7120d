// inventory.release: the payment died, so the reserved stock goes back on sale.
//
// Running twice is safe: the reservation moves reserved -> released with a
// guarded update; a second run finds it released and writes nothing. If an
// owner retried the payment before this job ran, the payment is no longer
// dead and the reservation is kept for it.
#include <algorithm>

#include "core/job_kind.h"
#include "jobs/handler.h"
#include "store/order_store.h"
#include "store/outbox_store.h"

namespace shopd {

JobResult run_inventory_release(const JobContext& ctx) {
  return JobResult::success([order_id = ctx.order.id](store::Tx& tx, TimePoint now) {
    const auto jobs = store::jobs_for_order(tx.db, order_id);
    const bool payment_dead = std::any_of(jobs.begin(), jobs.end(), [](const store::Job& j) {
      return j.kind == kind::kPaymentCharge && is_given_up(j.state);
    });
    if (payment_dead) store::release_stock(tx, order_id, now);
  });
}

}  // namespace shopd
