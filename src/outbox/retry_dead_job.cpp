#include "outbox/retry_dead_job.h"

#include "core/job_kind.h"
#include "obs/log.h"
#include "outbox/pipeline.h"
#include "store/order_store.h"
#include "store/outbox_store.h"

namespace shopd {

namespace {

constexpr const char* kSetLastError = "UPDATE outbox SET last_error = ?2, updated_at = ?3 WHERE id = ?1";

}  // namespace

std::optional<FieldError> retry_dead_job(store::Tx& tx, const std::string& job_id, const Config& config,
                                         TimePoint now) {
  const auto job = store::find_job(tx.db, job_id);
  if (!job) return FieldError{404, "not_found", "no job with this id", ""};
  if (job->state != "dead")
    return FieldError{409, "job_not_dead", "only dead jobs can be retried (this one is " + job->state + ")", ""};
  if (job->kind == kind::kPaymentCharge) {
    if (auto no_stock = store::rereserve_stock(tx, job->order_id, now)) {
      tx.db.query(kSetLastError).bind(job_id, "out_of_stock: " + no_stock->message, format_iso(now)).exec();
      log::warn("dead payment not retried: stock is gone", {{"job_id", job_id}, {"order_id", job->order_id}});
      return no_stock;
    }
    // The release that ran when it died is spent (one job per kind and
    // order): forget it, so that should the payment die again, the stock just
    // taken back is released again instead of staying reserved for good.
    store::forget_job(tx, job->order_id, kind::kInventoryRelease);
  }
  store::retry_dead(tx, job_id, config.retry.for_kind(job->kind).max_attempts, now);
  refresh_order_status(tx, job->order_id, now);
  log::info("dead job retried by owner", {{"job_id", job_id}, {"order_id", job->order_id}, {"kind", job->kind}});
  return std::nullopt;
}

}  // namespace shopd
