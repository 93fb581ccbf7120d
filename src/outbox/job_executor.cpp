#include "outbox/job_executor.h"

#include <chrono>

#include "core/job_kind.h"
#include "obs/log.h"
#include "outbox/failure_hook.h"
#include "outbox/job_state.h"
#include "outbox/pipeline.h"
#include "store/order_store.h"

namespace shopd {

namespace {

const char* outcome_label(const Decision& d) {
  if (std::holds_alternative<decision::Done>(d)) return "done";
  if (std::holds_alternative<decision::RetryAt>(d)) return "retry";
  if (std::holds_alternative<decision::Defer>(d)) return "deferred";
  return "dead";
}

// Writes the attempt's end; false when the lease was lost.
bool record_outcome(store::Tx& tx, const store::Job& job, const Decision& d, const store::AttemptEnd& end,
                    const JobResult& result, const Config& config) {
  if (std::holds_alternative<decision::Done>(d)) {
    if (!store::mark_done(tx, job, end)) return false;
    if (result.on_done) result.on_done(tx, end.finished);
    enqueue_successors(tx, job, successors_on_done(job.kind), config, end.finished);
    if (const JobKind* k = find_job_kind(job.kind); k && k->after_done) k->after_done(tx, job, config, end.finished);
    refresh_order_status(tx, job.order_id, end.finished);
    return true;
  }
  if (const auto* retry = std::get_if<decision::RetryAt>(&d)) {
    if (!store::mark_retrying(tx, job, end, retry->at)) return false;
    refresh_order_status(tx, job.order_id, end.finished);
    return true;
  }
  if (const auto* later = std::get_if<decision::Defer>(&d)) return store::defer(tx, job, later->at, end.finished);
  return kill_job(tx, job, end, config);
}

}  // namespace

AttemptFacts facts_of(const store::Job& job) {
  AttemptFacts facts{job.attempts, job.max_attempts, job.unreachable_attempts, std::nullopt};
  if (job.unreachable_since) facts.unreachable_since = parse_iso(*job.unreachable_since);
  return facts;
}

bool apply_decision(store::Tx& tx, const store::Job& job, const Decision& d, const store::AttemptEnd& end,
                    const JobResult& result, const Config& config) {
  if (!record_outcome(tx, job, d, end, result, config)) return false;
  if (result.on_finish) result.on_finish(tx, end.finished);
  return true;
}

JobExecutor::JobExecutor(const Config& config, store::Store& store, Providers& providers, Metrics& metrics,
                         const Clock& clock, const Cancel& cancel, HandlerLookup handlers)
    : config_(config),
      store_(store),
      providers_(providers),
      metrics_(metrics),
      clock_(clock),
      cancel_(cancel),
      handlers_(handlers) {}

JobResult JobExecutor::run_handler(const store::Job& job) {
  const JobHandler handler = handlers_(job.kind);
  if (!handler) return JobResult::failure(JobError::permanent("unknown_kind", "no handler for job kind " + job.kind));
  const auto order = store_.read([&](store::Connection& db) { return store::load_order(db, job.order_id); });
  if (!order) return JobResult::failure(JobError::permanent("order_missing", "order " + job.order_id + " not found"));
  if (const JobKind* k = find_job_kind(job.kind); k && k->moot_once_cancelled && !order->cancelled_at.empty()) {
    log::info("job skipped: the order was cancelled", {{"job_id", job.id}, {"order_id", job.order_id}, {"kind", job.kind}});
    return JobResult::success();
  }
  JobContext ctx{job, *order, config_, providers_, store_, cancel_, clock_};
  return handler(ctx);
}

namespace {

// Dead jobs are logged by the failure hook. During a provider outage the
// retries of the jobs waiting on it keep quiet (ProviderOutages said it once).
void log_attempt_end(const Decision& d, const nlohmann::json& fields, bool known_outage) {
  if (std::holds_alternative<decision::Done>(d)) log::info("job done", fields);
  else if (std::holds_alternative<decision::RetryAt>(d))
    log::write(known_outage ? log::Level::debug : log::Level::warn, "job failed, will retry", fields);
  else if (std::holds_alternative<decision::Defer>(d)) log::info("job deferred", fields);
}

}  // namespace

std::optional<TimePoint> JobExecutor::outage_to_report(const store::Job& job, TimePoint now) {
  const double threshold = config_.alerts.provider_down_seconds;
  // An alert about the alert channel would go through the alert channel.
  if (threshold <= 0 || job.kind == kind::kAlertTeam) return std::nullopt;
  const TimePoint since = facts_of(job).unreachable_since.value_or(now);
  if (now - since < std::chrono::duration_cast<Millis>(std::chrono::duration<double>(threshold))) return std::nullopt;
  if (!outages_.claim_alert(job.kind)) return std::nullopt;
  return since;
}

JobExecutor::Execution JobExecutor::execute(const store::Job& job, std::mt19937_64& rng, const AlsoInTransaction& also) {
  const auto started = std::chrono::steady_clock::now();
  nlohmann::json fields = {{"job_id", job.id}, {"order_id", job.order_id}, {"kind", job.kind}, {"attempt", job.attempts}};
  log::debug("job started", fields);

  JobResult result;
  try {
    result = run_handler(job);
  } catch (const store::StorageUnavailable& e) {
    // The database's fault, not the job's: the attempt must not count.
    fields["db_error"] = e.what();
    log::debug("job attempt given back: the database is unavailable", fields);
    return {cancel_.requested() ? Recorded::Cancelled : Recorded::StorageUnavailable, std::nullopt};
  } catch (const std::exception& e) {
    // A bug, not the provider's answer: retried like a transient error, so
    // it ends in the failure hook if it keeps happening.
    result = JobResult::failure(JobError::transient("internal_error", e.what()));
  }
  if (cancel_.requested()) return {Recorded::Cancelled, std::nullopt};

  const auto duration = std::chrono::steady_clock::now() - started;
  const int64_t duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  const JobError* error = result.error ? &*result.error : nullptr;
  const store::AttemptEnd end{clock_.now(), duration_ms, error};
  const Decision d =
      decide(facts_of(job), error, result.defer_until, config_.retry.for_kind(job.kind), end.finished, rng);

  // During an outage its first unanswered attempt said so; the others keep quiet.
  const bool known_outage = outages_.note(job.kind, error);
  const auto alert_since = error && error->is_unreachable() && std::holds_alternative<decision::RetryAt>(d)
                               ? outage_to_report(job, end.finished)
                               : std::nullopt;
  fields["duration_ms"] = duration_ms;
  fields["outcome"] = outcome_label(d);
  if (error) {
    fields["error"] = error->code + ": " + error->message;
    if (error->provider_status) fields["provider_status"] = error->provider_status;
    if (error->is_unreachable()) fields["unreachable"] = true;
  }
  if (const auto* retry = std::get_if<decision::RetryAt>(&d)) fields["retry_at"] = format_iso(retry->at);
  if (const auto* later = std::get_if<decision::Defer>(&d)) fields["run_at"] = format_iso(later->at);
  try {
    const bool applied = store_.writer().run_always([&](store::Tx& tx) {
      const bool ok = apply_decision(tx, job, d, end, result, config_);
      if (!ok) return false;
      if (alert_since) raise_unreachable_alert(tx, job, end, *alert_since, config_);
      if (also) also(tx);
      // Logged in commit order: with a short backoff another executor may
      // run the next attempt as soon as this commit lands.
      tx.after_commit([fields, d, known_outage] { log_attempt_end(d, fields, known_outage); });
      return true;
    });
    if (alert_since && !applied) outages_.give_back_alert(job.kind);
    if (!applied) {
      log::warn("job outcome dropped: lease was lost, another attempt owns the job", fields);
      return {Recorded::LeaseLost, std::nullopt};
    }
  } catch (const store::StorageUnavailable& e) {
    // The writer logged the trouble; the worker puts the job back once the
    // database takes writes again.
    if (alert_since) outages_.give_back_alert(job.kind);
    fields["db_error"] = e.what();
    log::debug("job outcome not recorded: the database is unavailable", fields);
    return {Recorded::StorageUnavailable, std::nullopt};
  } catch (const std::exception& e) {
    // The job stays running with this lease; once the lease expires it runs again.
    if (alert_since) outages_.give_back_alert(job.kind);
    fields["db_error"] = e.what();
    log::error("could not record job outcome", fields);
    return {Recorded::Failed, std::nullopt};
  }
  if (result.after_commit && std::holds_alternative<decision::Done>(d)) result.after_commit();
  metrics_.jobs.inc({job.kind, outcome_label(d)});
  metrics_.job_duration.observe({job.kind}, std::chrono::duration<double>(duration).count());
  return {Recorded::Yes, d};
}

}  // namespace shopd
