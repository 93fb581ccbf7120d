// The job state machine and what follows from it, as pure functions.
//
// The worker runs a job, gets an outcome (success or a typed JobError), asks
// decide() what that means, and applies the one decision it is given in one
// write. The order's status and each step's public state are derived from the
// jobs, never tracked separately, so they cannot disagree.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "core/time.h"

namespace shopd {

// Stored job states (schema.sql documents how a job leaves each one).
enum class JobState { Pending, Running, Retrying, Done, Dead };
std::string_view to_string(JobState state);
std::optional<JobState> parse_job_state(std::string_view text);

namespace decision {
struct Done {};
struct RetryAt {
  TimePoint at;
};
struct Dead {};
}  // namespace decision
using Decision = std::variant<decision::Done, decision::RetryAt, decision::Dead>;

// What to do after attempt number `attempts_made` ended with `error` (null: success).
// Permanent errors die at once; transient errors retry until max_attempts is used up.
Decision decide(int attempts_made, int max_attempts, const JobError* error, const RetryPolicy& policy,
                TimePoint now, std::mt19937_64& rng);

struct JobSummary {
  std::string kind;
  std::string state;
};

// The order's status from its jobs:
//   needs_attention  a job other than payment.charge / alert.team is dead
//   payment_failed   payment.charge is dead
//   completed        inventory.commit, invoice.generate and email.confirmation are done
//   paid             payment.charge is done
//   received         otherwise
std::string_view derive_order_status(const std::vector<JobSummary>& jobs);

// A step's public state: the job's state; "waiting" while its job does not
// exist yet (its prerequisite is not done), or "done" when the order is
// completed and retention has already pruned the job.
std::string_view step_state(const JobSummary* job, std::string_view order_status);

}  // namespace shopd
