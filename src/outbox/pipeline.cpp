#include "outbox/pipeline.h"

#include <algorithm>

#include "core/job_kind.h"
#include "outbox/job_state.h"
#include "store/order_store.h"

namespace shopd {

namespace {

std::vector<std::string_view> kinds_after(std::string_view predecessor, bool done, bool provider_answered) {
  std::vector<std::string_view> out;
  for (const auto& k : job_kinds()) {
    if (k.start != Start::After) continue;
    for (const auto& a : k.after) {
      if (a.kind != predecessor) continue;
      const bool matches = done ? a.ended == Ended::Done : a.ended == Ended::DeadAnswered && provider_answered;
      if (matches) out.push_back(k.name);
    }
  }
  return out;
}

const JobKind* kind_of(const store::Job& job) { return find_job_kind(job.kind); }

}  // namespace

std::vector<std::string_view> successors_on_done(std::string_view k) { return kinds_after(k, true, true); }

std::vector<std::string_view> successors_on_dead(std::string_view k, bool provider_answered) {
  return kinds_after(k, false, provider_answered);
}

store::NewJob new_job(const std::string& order_id, std::string_view kind, const Config& config, TimePoint now,
                      std::string key, std::string payload) {
  store::NewJob job{order_id, kind, config.retry.for_kind(std::string(kind)).max_attempts, now, std::move(payload)};
  job.key = std::move(key);
  job.priority = job_priority(kind);
  return job;
}

std::vector<store::NewJob> first_jobs(const Config& config, TimePoint now) {
  std::vector<store::NewJob> out;
  for (const auto& k : job_kinds())
    if (k.start == Start::OrderStored) out.push_back(new_job("", k.name, config, now));
  return out;
}

void enqueue_kinds(store::Tx& tx, const std::string& order_id, const std::vector<std::string_view>& kinds,
                   const Config& config, TimePoint now) {
  for (auto k : kinds) store::enqueue(tx, new_job(order_id, k, config, now), now);
}

void enqueue_successors(store::Tx& tx, const store::Job& job, std::vector<std::string_view> kinds,
                        const Config& config, TimePoint now) {
  for (auto k : kinds) store::enqueue(tx, new_job(job.order_id, k, config, now, job.job_key, job.payload), now);
}

const std::vector<std::string_view>& public_step_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& k : job_kinds())
      if (!k.step.name.empty() && std::find(out.begin(), out.end(), k.step.name) == out.end())
        out.push_back(k.step.name);
    return out;
  }();
  return names;
}

std::vector<PublicStepView> public_steps(const Order& order, const std::vector<store::Job>& jobs) {
  // Retention deletes the done jobs of completed orders; a paid order
  // without its payment job lost them that way, whatever its status is now.
  bool has_payment = false;
  for (const auto& j : jobs) has_payment = has_payment || j.kind == kind::kPaymentCharge;
  const bool pruned = !order.paid_at.empty() && !has_payment;

  std::vector<PublicStepView> out;
  for (auto name : public_step_names()) {
    PublicStepView view{name};
    int best_rank = -1;
    for (const auto& j : jobs) {
      const JobKind* k = kind_of(j);
      if (!k || k->step.name != name || !j.job_key.empty()) continue;
      if (k->step.rank >= best_rank) {
        best_rank = k->step.rank;
        view.job = &j;
      }
    }
    const JobSummary summary = view.job ? JobSummary{view.job->kind, view.job->state} : JobSummary{};
    view.state = step_state(view.job ? &summary : nullptr, order.status, pruned);
    // SPEC section 8: the payment step of an order that waits for the customer.
    if (name == "payment" && order.status == OrderStatus::ActionRequired &&
        (!view.job || !is_given_up(view.job->state)))
      view.state = StepState::ActionRequired;
    out.push_back(view);
  }
  return out;
}

std::optional<StatusChange> refresh_order_status(store::Tx& tx, const std::string& order_id, TimePoint now) {
  // Two jobs of one order may finish at once on two nodes; whichever takes
  // the lock second sees the first's job committed and derives the final status.
  store::lock_order(tx, order_id);
  const auto stored = store::load_status_facts(tx.db, order_id);
  if (!stored) return std::nullopt;
  std::vector<JobSummary> jobs;
  for (const auto& j : store::jobs_for_order(tx.db, order_id)) jobs.push_back(JobSummary{j.kind, j.state});
  // payment_action_open: the payment's waiting state (SPEC section 8) sets it.
  const OrderFacts facts{false, stored->cancelled, stored->paid, stored->total_cents, stored->refunded_cents};
  const OrderStatus status = derive_order_status(jobs, facts);
  if (status == stored->status) return std::nullopt;
  store::set_order_status(tx, order_id, status, now);
  // Order events (SPEC section 10) for this change are enqueued here.
  return StatusChange{stored->status, status};
}

}  // namespace shopd
