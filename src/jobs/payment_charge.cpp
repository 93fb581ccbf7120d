// payment.charge: create and confirm a PaymentIntent for the order total.
//
// Running twice is safe: every attempt for an order sends the same
// Idempotency-Key ("shopd-order-<order id>"), so the provider answers a
// repeat with the PaymentIntent it already made instead of charging again.
// The PaymentIntent id is stored with the attempt's outcome, whatever it is,
// so the owner can look a declined payment up in the provider's dashboard.
#include "jobs/handler.h"
#include "store/order_store.h"

namespace shopd {

std::string payment_idempotency_key(const std::string& order_id) { return "shopd-order-" + order_id; }

JobResult run_payment_charge(const JobContext& ctx) {
  const Order& order = ctx.order;
  // Nothing to charge (a free order): Stripe would refuse an amount of 0.
  if (order.total_cents == 0)
    return JobResult::success(
        [order_id = order.id](store::Tx& tx, TimePoint now) { store::mark_paid(tx, order_id, "", now); });
  const ChargeRequest request{order.id,
                              order.total_cents,
                              order.currency,
                              order.payment_method,
                              payment_idempotency_key(order.id),
                              ctx.job.attempts};
  auto charged = ctx.providers.payment->charge(request, ctx.cancel);
  if (!charged.ok()) {
    const JobError& error = charged.error();
    if (error.provider_ref.empty()) return JobResult::failure(error);
    return JobResult::failure(error, [order_id = order.id, ref = error.provider_ref](store::Tx& tx, TimePoint now) {
      store::set_payment_ref(tx, order_id, ref, now);
    });
  }
  return JobResult::success([order_id = order.id, ref = charged.value().payment_intent_id](store::Tx& tx, TimePoint now) {
    store::mark_paid(tx, order_id, ref, now);
  });
}

}  // namespace shopd
