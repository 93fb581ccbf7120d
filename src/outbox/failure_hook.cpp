#include "outbox/failure_hook.h"

#include <nlohmann/json.hpp>

#include "core/job_kind.h"
#include "core/time.h"
#include "core/uuid7.h"
#include "obs/log.h"
#include "outbox/pipeline.h"
#include "store/alert_store.h"

namespace shopd {

namespace {

nlohmann::json death_fields(const store::Job& job, const store::AttemptEnd& end) {
  return {{"job_id", job.id},
          {"order_id", job.order_id},
          {"kind", job.kind},
          {"attempt", job.attempts},
          {"outcome", "dead"},
          {"duration_ms", end.duration_ms},
          {"error", end.error ? end.error->code + ": " + end.error->message : ""},
          {"where", end.error ? end.error->where : ""}};
}

// Alerting about a failed alert would loop; the log is the last resort, and
// `shopd check` and shopd_alerts_undelivered_total report it from the alerts table.
void alert_died(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end) {
  const bool someone_told = store::fail_pending_channels(tx, job.id, end.finished);
  if (someone_told) log::error("team alert reached only some of its channels", death_fields(job, end));
  else log::critical("team alert could not be delivered by any channel", death_fields(job, end));
}

// `payload` names the job the alert is about ("dead_job_id", also for a job
// still waiting: the alert.team handler reads its record from there).
void enqueue_alert(store::Tx& tx, const store::Job& job, nlohmann::json payload, const std::string& summary,
                   TimePoint now, const Config& config) {
  const std::string alert_id = new_uuid7();
  payload["dead_job_id"] = job.id;
  // One alert per death (and per unreachable spell): each is its own subject.
  auto alert = new_job(job.order_id, kind::kAlertTeam, config, now, alert_id, payload.dump());
  alert.id = alert_id;
  store::enqueue(tx, alert, now);
  store::record_alert(tx,
                      store::NewAlert{alert_id, job.id, job.order_id, job.kind, summary,
                                      !config.alerts.webhook_url.empty(), !config.alerts.email.empty()},
                      now);
}

void raise_alert(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, const Config& config) {
  const std::string why = end.error ? end.error->code + ": " + end.error->message : "died";
  enqueue_alert(tx, job, nlohmann::json::object(), job.kind + " dead: " + why, end.finished, config);
}

}  // namespace

bool kill_job(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, const Config& config) {
  if (!store::mark_dead(tx, job, end)) return false;
  if (job.kind == kind::kAlertTeam) {
    alert_died(tx, job, end);
    return true;
  }
  log::error("job dead", death_fields(job, end));
  const bool provider_answered = !end.error || !end.error->is_unreachable();
  enqueue_successors(tx, job, successors_on_dead(job.kind, provider_answered), config, end.finished);
  if (const JobKind* k = find_job_kind(job.kind); k && k->after_dead) k->after_dead(tx, job, config, end.finished);
  refresh_order_status(tx, job.order_id, end.finished);
  raise_alert(tx, job, end, config);
  return true;
}

void raise_unreachable_alert(store::Tx& tx, const store::Job& job, const store::AttemptEnd& end, TimePoint since,
                             const Config& config) {
  const std::string why = end.error ? end.error->code + ": " + end.error->message : "unreachable";
  log::warn("provider unreachable for longer than alerts.provider_down_seconds: alerting the team",
            {{"job_id", job.id}, {"order_id", job.order_id}, {"kind", job.kind}, {"since", format_iso(since)}});
  enqueue_alert(tx, job, {{"unreachable_since", format_iso(since)}},
                job.kind + " waiting: no answer since " + format_iso(since) + ": " + why, end.finished, config);
}

}  // namespace shopd
