#include "outbox/job_state.h"

#include <algorithm>

#include "core/job_kind.h"
#include "outbox/retry_policy.h"

namespace shopd {

namespace {

constexpr std::pair<JobState, std::string_view> kStateNames[] = {
    {JobState::Pending, "pending"}, {JobState::Running, "running"}, {JobState::Retrying, "retrying"},
    {JobState::Done, "done"},       {JobState::Dead, "dead"},
};

bool has(const std::vector<JobSummary>& jobs, std::string_view kind, std::string_view state) {
  return std::any_of(jobs.begin(), jobs.end(), [&](const JobSummary& j) { return j.kind == kind && j.state == state; });
}

}  // namespace

std::string_view to_string(JobState state) {
  for (const auto& [s, name] : kStateNames)
    if (s == state) return name;
  return "pending";
}

std::optional<JobState> parse_job_state(std::string_view text) {
  for (const auto& [s, name] : kStateNames)
    if (name == text) return s;
  return std::nullopt;
}

Decision decide(int attempts_made, int max_attempts, const JobError* error, const RetryPolicy& policy,
                TimePoint now, std::mt19937_64& rng) {
  if (!error) return decision::Done{};
  if (error->is_permanent() || attempts_made >= max_attempts) return decision::Dead{};
  return decision::RetryAt{next_run_at(now, policy, attempts_made, error->retry_after_seconds, rng)};
}

std::string_view derive_order_status(const std::vector<JobSummary>& jobs) {
  for (const auto& j : jobs)
    if (j.state == "dead" && j.kind != kind::kPaymentCharge && j.kind != kind::kAlertTeam)
      return order_status::kNeedsAttention;
  if (has(jobs, kind::kPaymentCharge, "dead")) return order_status::kPaymentFailed;
  if (has(jobs, kind::kInventoryCommit, "done") && has(jobs, kind::kInvoiceGenerate, "done") &&
      has(jobs, kind::kEmailConfirmation, "done"))
    return order_status::kCompleted;
  if (has(jobs, kind::kPaymentCharge, "done")) return order_status::kPaid;
  return order_status::kReceived;
}

std::string_view step_state(const JobSummary* job, std::string_view order_status) {
  if (job) return job->state;
  return order_status == order_status::kCompleted ? "done" : "waiting";
}

}  // namespace shopd
