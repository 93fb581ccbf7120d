// inventory.commit: the order is paid, so its reserved stock becomes a sale.
//
// Running twice is safe: the reservation moves reserved -> sold with a
// guarded update in the transaction that marks the job done; a second run
// finds it sold already and writes nothing.
#include "jobs/handler.h"
#include "store/order_store.h"

namespace shopd {

JobResult run_inventory_commit(const JobContext& ctx) {
  return JobResult::success([order_id = ctx.order.id](store::Tx& tx, TimePoint now) {
    store::commit_stock(tx, order_id, now);
  });
}

}  // namespace shopd
