// payment.refund: give a refund's money back through the payment provider
// (SPEC section 9). The job's key is the refund's id.
//
// Running twice is safe: every attempt for a refund sends the same
// Idempotency-Key ("shopd-refund-<refund id>"), so the provider answers a
// repeat with the refund it already made instead of refunding again; the
// refund moves pending -> succeeded once (a guarded update), in the
// transaction that marks this job done, together with its credit note's
// number and its restock. Never more than was charged: the transaction that
// created the refund checked what was left, and the provider's answer must be
// for exactly the amount asked.
#include "jobs/credit_notes.h"
#include "jobs/handler.h"
#include "store/refund_store.h"

namespace shopd {

std::string refund_idempotency_key(const std::string& refund_id) { return "shopd-refund-" + refund_id; }

JobResult run_payment_refund(const JobContext& ctx) {
  const std::string& refund_id = ctx.job.job_key;
  const auto refund = ctx.store.read([&](store::Connection& db) { return store::find_refund(db, refund_id); });
  if (!refund) return JobResult::failure(JobError::permanent("refund_missing", "no refund " + refund_id));
  if (refund->state == RefundState::Succeeded) return JobResult::success();
  if (ctx.order.payment_ref.empty())
    return JobResult::failure(
        JobError::permanent("no_payment_reference", "the order has no PaymentIntent to refund"));
  const RefundRequest request{ctx.order.id,          refund->id,      ctx.order.payment_ref, refund->amount_cents,
                              refund->currency,      refund_idempotency_key(refund->id), ctx.job.attempts};
  auto refunded = ctx.providers.payment->refund(request, ctx.cancel);
  if (!refunded.ok()) return JobResult::failure(refunded.error());
  return JobResult::success([config = &ctx.config, id = refund->id, ref = refunded.value().provider_ref](
                                store::Tx& tx, TimePoint now) { settle_refund(tx, id, ref, *config, now); });
}

}  // namespace shopd
