// payment.charge: create and confirm a PaymentIntent for the order total.
//
// Running twice is safe: every attempt for an order sends the same
// Idempotency-Key ("shopd-order-<order id>"), so the provider answers a
// repeat with the PaymentIntent it already made instead of charging again.
// The PaymentIntent id is stored with the attempt's outcome, whatever it is,
// so the owner can look a declined payment up in the provider's dashboard.
// A successful charge also assigns the order's invoice number, in the same
// transaction (invoice numbers follow payment order).
#include "jobs/handler.h"
#include "jobs/invoice_files.h"
#include "store/order_store.h"

namespace shopd {

std::string payment_idempotency_key(const std::string& order_id) { return "shopd-order-" + order_id; }

namespace {

// The order is paid: record it, and give it its invoice number now, in the
// same transaction, so numbers follow the order in which payments succeeded.
JobResult::Effects paid(const JobContext& ctx, std::string payment_ref) {
  return [ref = std::move(payment_ref), invoice = new_invoice(ctx.order, ctx.config)](store::Tx& tx, TimePoint now) {
    store::mark_paid(tx, invoice.order_id, ref, now);
    store::assign_invoice(tx, invoice, now);
  };
}

}  // namespace

JobResult run_payment_charge(const JobContext& ctx) {
  const Order& order = ctx.order;
  // Nothing to charge (a free order): Stripe would refuse an amount of 0.
  if (order.total_cents == 0) return JobResult::success(paid(ctx, ""));
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
  return JobResult::success(paid(ctx, charged.value().payment_intent_id));
}

}  // namespace shopd
