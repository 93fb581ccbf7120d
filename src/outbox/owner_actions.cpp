#include "outbox/owner_actions.h"

#include "obs/log.h"
#include "outbox/job_kinds.h"
#include "outbox/pipeline.h"
#include "store/order_store.h"
#include "store/outbox_store.h"

namespace shopd {

namespace {

std::optional<OwnerActionError> require_dead(const std::optional<store::Job>& job) {
  if (!job) return OwnerActionError{OwnerActionError::Kind::NotFound, "no job with this id"};
  if (job->state != JobState::Dead)
    return OwnerActionError{OwnerActionError::Kind::NotDead,
                            "only dead jobs can be retried or discarded (this one is " +
                                std::string(to_string(job->state)) + ")"};
  return std::nullopt;
}

}  // namespace

std::optional<OwnerActionError> retry_dead_job(store::Tx& tx, const std::string& job_id, const Config& config,
                                               TimePoint now) {
  const auto job = store::find_job(tx.db, job_id);
  if (auto refused = require_dead(job)) return refused;
  if (const JobKind* k = find_job_kind(job->kind); k && k->before_owner_retry)
    if (auto refused = k->before_owner_retry(tx, *job, config, now)) return refused;
  store::retry_dead(tx, job_id, config.retry.for_kind(job->kind).max_attempts, now);
  refresh_order_status(tx, job->order_id, now);
  log::info("dead job retried by owner", {{"job_id", job_id}, {"order_id", job->order_id}, {"kind", job->kind}});
  return std::nullopt;
}

std::optional<OwnerActionError> discard_dead_job(store::Tx& tx, const std::string& job_id, TimePoint now) {
  const auto job = store::find_job(tx.db, job_id);
  if (auto refused = require_dead(job)) return refused;
  store::discard_dead(tx, job_id, now);
  log::info("dead job discarded by owner", {{"job_id", job_id}, {"order_id", job->order_id}, {"kind", job->kind}});
  return std::nullopt;
}

BulkOutcome act_on_dead_jobs(store::Tx& tx, BulkAction action, const std::optional<std::string>& kind,
                             const Config& config, TimePoint now) {
  BulkOutcome outcome;
  for (const auto& id : store::dead_job_ids(tx.db, kind)) {
    const auto refused =
        action == BulkAction::Retry ? retry_dead_job(tx, id, config, now) : discard_dead_job(tx, id, now);
    if (!refused) ++outcome.affected;
    else if (refused->kind == OwnerActionError::Kind::OutOfStock) ++outcome.out_of_stock;
  }
  return outcome;
}

}  // namespace shopd
