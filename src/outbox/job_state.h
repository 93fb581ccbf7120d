// The job state machine and what follows from it, as pure functions.
//
// The worker runs a job, gets an outcome (success, a deferral, or a typed
// JobError), asks decide() what that means, and applies the one decision it
// is given in one write. The order's status and each step's public state are
// derived from the jobs, never tracked separately, so they cannot disagree.
// The state names themselves live in core/states.h.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "core/states.h"
#include "core/time.h"

namespace shopd {

namespace decision {
struct Done {};
struct RetryAt {
  TimePoint at;
};
struct Dead {};
// The handler asked to run again later; the attempt does not count.
struct Defer {
  TimePoint at;
};
}  // namespace decision
using Decision = std::variant<decision::Done, decision::RetryAt, decision::Dead, decision::Defer>;

// What decide() needs to know about the job as it was claimed for this attempt.
struct AttemptFacts {
  int attempts = 1;              // answered attempts, this one included
  int max_attempts = 1;
  int unreachable_attempts = 0;  // earlier attempts that reached no provider
  std::optional<TimePoint> unreachable_since;  // when the current run of those began
};

// What to do after an attempt ended with `error` (null: success), or asked to
// run again at `defer_until`:
//   success                      Done
//   deferral                     Defer (the attempt is given back)
//   Permanent                    Dead
//   Transient (answered)         RetryAt, until max_attempts answered attempts were made: Dead
//   Unreachable (no answer)      RetryAt, until policy.unreachable_seconds have passed
//                                since the first unanswered attempt of the run: Dead
// The backoff grows with every attempt that failed, answered or not
// (retry_policy.h), and honours the provider's Retry-After.
Decision decide(const AttemptFacts& facts, const JobError* error, std::optional<TimePoint> defer_until,
                const RetryPolicy& policy, TimePoint now, std::mt19937_64& rng);

struct JobSummary {
  std::string kind;
  JobState state = JobState::Pending;
};

// What an order's status depends on besides its jobs.
struct OrderFacts {
  bool payment_action_open = false;  // the payment waits for the customer (SPEC section 8)
  bool cancelled = false;            // an owner cancelled the order
  bool paid = false;                 // its payment succeeded (paid_at)
  int64_t total_cents = 0;           // what was charged once paid
  int64_t refunded_cents = 0;        // refunds that succeeded
  // All of the payment went back (a free order is never "refunded").
  bool refunded_in_full() const { return paid && total_cents > 0 && refunded_cents >= total_cents; }
};

// The order's status from its jobs and facts. The first that holds wins:
//   needs_attention  a job other than payment.charge / alert.team is dead or
//                    discarded (a failed refund, a cancellation email that
//                    could not go out, ...; not one a cancel made pointless,
//                    the kind table's moot_once_cancelled); or payment.charge is, but died
//                    without an answer from the provider (it was unreachable
//                    for retry.unreachable_seconds, so the charge may have
//                    happened: no inventory.release follows such a death).
//                    First, because it is the one that asks the owner to act:
//                    a cancelled order whose refund died is not settled.
//   cancelled        an owner cancelled it (whatever its payment did since:
//                    a charge that succeeded meanwhile is refunded)
//   refunded         refunds that succeeded gave all of the payment back (a
//                    partial refund leaves the status as it was)
//   payment_failed   payment.charge is dead or discarded after the provider answered
//   action_required  the payment waits for the customer (3-D Secure)
//   completed        inventory.commit, invoice.generate and email.confirmation are done
//   paid             payment.charge is done
//   received         otherwise
OrderStatus derive_order_status(const std::vector<JobSummary>& jobs, const OrderFacts& facts = {});

// A step's public state: its job's state; for a step whose job does not
// exist, "done" when retention pruned the job (the order completed, or
// `pruned`: the caller saw the paid order's payment job gone), "skipped" when
// it will never run (the order's payment failed, or the order was
// cancelled), else "waiting" (its prerequisite is not done yet).
StepState step_state(const JobSummary* job, OrderStatus order_status, bool pruned = false);

}  // namespace shopd
