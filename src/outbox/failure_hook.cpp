#include "outbox/failure_hook.h"

#include <nlohmann/json.hpp>

#include "core/job_kind.h"
#include "obs/log.h"
#include "outbox/pipeline.h"

namespace shopd {

bool kill_job(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, const Config& config) {
  if (!store::mark_dead(tx, job, end)) return false;
  const nlohmann::json fields = {{"job_id", job.id},
                                 {"order_id", job.order_id},
                                 {"kind", job.kind},
                                 {"attempt", job.attempts},
                                 {"outcome", "dead"},
                                 {"duration_ms", end.duration_ms},
                                 {"error", end.error ? end.error->code + ": " + end.error->message : ""},
                                 {"where", end.error ? end.error->where : ""}};
  if (job.kind == kind::kAlertTeam) {
    // Alerting about a failed alert would loop; the log is the last resort.
    log::critical("team alert could not be delivered", fields);
    return true;
  }
  log::error("job dead", fields);
  refresh_order_status(tx, job.order_id, end.finished);
  enqueue_kinds(tx, job.order_id, successors_on_dead(job.kind), config, end.finished);
  const auto& alert_policy = config.retry.for_kind(std::string(kind::kAlertTeam));
  store::enqueue(tx,
                 store::NewJob{job.order_id, kind::kAlertTeam, alert_policy.max_attempts, end.finished,
                               nlohmann::json{{"dead_job_id", job.id}}.dump()},
                 end.finished);
  return true;
}

}  // namespace shopd
