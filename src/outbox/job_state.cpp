#include "outbox/job_state.h"

#include <algorithm>

#include "core/job_kind.h"
#include "outbox/job_kinds.h"
#include "outbox/retry_policy.h"

namespace shopd {

namespace {

const JobSummary* find(const std::vector<JobSummary>& jobs, std::string_view kind) {
  const auto it = std::find_if(jobs.begin(), jobs.end(), [&](const JobSummary& j) { return j.kind == kind; });
  return it == jobs.end() ? nullptr : &*it;
}

bool is_done(const std::vector<JobSummary>& jobs, std::string_view kind) {
  const JobSummary* j = find(jobs, kind);
  return j && j->state == JobState::Done;
}

bool unreachable_for_too_long(const AttemptFacts& facts, const RetryPolicy& policy, TimePoint now) {
  const TimePoint since = facts.unreachable_since.value_or(now);
  return now - since >= std::chrono::duration_cast<Millis>(std::chrono::duration<double>(policy.unreachable_seconds));
}

}  // namespace

Decision decide(const AttemptFacts& facts, const JobError* error, std::optional<TimePoint> defer_until,
                const RetryPolicy& policy, TimePoint now, std::mt19937_64& rng) {
  if (!error) return defer_until ? Decision(decision::Defer{*defer_until}) : Decision(decision::Done{});
  if (error->is_permanent()) return decision::Dead{};
  if (error->is_unreachable() ? unreachable_for_too_long(facts, policy, now) : facts.attempts >= facts.max_attempts)
    return decision::Dead{};
  // Every failed attempt so far, this one included, answered or not.
  const int failed = facts.attempts + facts.unreachable_attempts;
  return decision::RetryAt{next_run_at(now, policy, failed, error->retry_after_seconds, rng)};
}

namespace {

// A job whose work an owner's cancel made pointless (the kind table's
// moot_once_cancelled): its death is nobody's concern any more.
bool moot(const JobSummary& j, const OrderFacts& facts) {
  if (!facts.cancelled) return false;
  const JobKind* k = find_job_kind(j.kind);
  return k && k->moot_once_cancelled;
}

bool needs_attention(const std::vector<JobSummary>& jobs, const OrderFacts& facts) {
  for (const auto& j : jobs)
    if (is_given_up(j.state) && j.kind != kind::kPaymentCharge && j.kind != kind::kAlertTeam && !moot(j, facts))
      return true;
  const JobSummary* payment = find(jobs, kind::kPaymentCharge);
  return payment && is_given_up(payment->state) && !find(jobs, kind::kInventoryRelease);
}

}  // namespace

OrderStatus derive_order_status(const std::vector<JobSummary>& jobs, const OrderFacts& facts) {
  if (needs_attention(jobs, facts)) return OrderStatus::NeedsAttention;
  if (facts.cancelled) return OrderStatus::Cancelled;
  if (facts.refunded_in_full()) return OrderStatus::Refunded;
  if (const JobSummary* payment = find(jobs, kind::kPaymentCharge); payment && is_given_up(payment->state))
    return OrderStatus::PaymentFailed;
  if (facts.payment_action_open) return OrderStatus::ActionRequired;
  if (is_done(jobs, kind::kInventoryCommit) && is_done(jobs, kind::kInvoiceGenerate) &&
      is_done(jobs, kind::kEmailConfirmation))
    return OrderStatus::Completed;
  if (is_done(jobs, kind::kPaymentCharge)) return OrderStatus::Paid;
  return OrderStatus::Received;
}

StepState step_state(const JobSummary* job, OrderStatus order_status, bool pruned) {
  if (job) return step_state_of(job->state);
  if (order_status == OrderStatus::Completed || pruned) return StepState::Done;
  if (order_status == OrderStatus::PaymentFailed || order_status == OrderStatus::Cancelled) return StepState::Skipped;
  return StepState::Waiting;
}

}  // namespace shopd
