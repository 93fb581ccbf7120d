// What an owner can do about dead jobs: retry one, discard one, or either for
// every dead job (of one kind). Used by `shopd jobs retry|discard`,
// POST /admin/jobs/{id}/retry|discard, POST /admin/jobs/bulk and the dashboard.
//
// Retry: a dead job goes back to pending with its attempts reset, after what
// its kind asks first (the kind table's before_owner_retry): a dead payment
// takes its stock back (its reservation was released when it died); if the
// stock is gone, the job stays dead with last_error "out_of_stock". A dead
// refund must still fit in what is left to refund ("refund_exceeds_payment").
// A dead alert sends again through every channel that failed (one that
// delivered is not used again).
// Discard: a dead job becomes discarded; it never runs again and no longer
// needs a look. The order's status stays as it is.
//
// REQUIRES: inside a write transaction. Idempotent in effect: a job that is
// no longer dead is refused (NotDead) rather than changed twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/time.h"
#include "store/writer.h"

namespace shopd {

struct OwnerActionError {
  enum class Kind { NotFound, NotDead, OutOfStock, RefundExceedsPayment };
  Kind kind;
  std::string message;
  // The machine name shown to owners and API clients: not_found, job_not_dead, out_of_stock,
  // refund_exceeds_payment.
  std::string_view code() const {
    switch (kind) {
      case Kind::NotFound: return "not_found";
      case Kind::NotDead: return "job_not_dead";
      case Kind::OutOfStock: return "out_of_stock";
      case Kind::RefundExceedsPayment: return "refund_exceeds_payment";
    }
    return "not_found";
  }
};

std::optional<OwnerActionError> retry_dead_job(store::Tx& tx, const std::string& job_id, const Config& config,
                                               TimePoint now);
std::optional<OwnerActionError> discard_dead_job(store::Tx& tx, const std::string& job_id, TimePoint now);

enum class BulkAction { Retry, Discard };

struct BulkOutcome {
  int affected = 0;       // jobs retried or discarded
  int out_of_stock = 0;   // dead payments not retried because their stock is gone
};

// Every dead job, or every dead job of `kind`.
BulkOutcome act_on_dead_jobs(store::Tx& tx, BulkAction action, const std::optional<std::string>& kind,
                             const Config& config, TimePoint now);

}  // namespace shopd
