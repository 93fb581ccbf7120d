// alert.team: tell the team a job died, with its full failure record, through
// every configured channel (the webhook and/or an email to alerts.email),
// each on its own, recording in `alerts` which delivered. In a storm the
// first alert goes out at once and the rest go out in one digest per window
// (store/alert_store.h).
//
// Running twice is safe: a channel that delivered is recorded as sent in the
// alerts table and not used again, so a retry for the email copy (the relay
// may be the very thing that is down) does not post to the chat again. Only a
// crash between a delivery and its record can repeat a message; the email
// copy has a Message-ID fixed per job. A dead alert.team never raises
// another alert (see outbox/failure_hook.cpp).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/job_kind.h"
#include "core/money.h"
#include "jobs/compose.h"
#include "jobs/failure_record.h"
#include "jobs/handler.h"
#include "store/alert_store.h"

namespace shopd {

namespace {

// The early warning's record: the job is alive, its provider is not.
bool still_waiting(const FailureRecord& r) { return r.unreachable_since.has_value(); }

}  // namespace

std::string failure_record_text(const FailureRecord& r) {
  std::string t = still_waiting(r)
                      ? "shopd alert (" + r.shop_name + "): the " + provider_name(r.job.kind) + " has not answered since " +
                            *r.unreachable_since + "; job " + r.job.kind + " for order " + r.order.id +
                            " keeps retrying\n"
                      : "shopd alert (" + r.shop_name + "): job " + r.job.kind + " is dead for order " + r.order.id + "\n";
  t += "Order status: " + std::string(to_string(r.order.status)) + ", total " + format_money(r.order.total_cents, r.order.currency) +
       ", placed " + r.order.created_at + "\n";
  t += "Job " + r.job.id + ": " + std::to_string(r.job.attempts) + " of " + std::to_string(r.job.max_attempts) +
       " attempts used\n";
  t += "Attempts:\n";
  const store::Attempt* last_with_provider = nullptr;
  for (const auto& a : r.attempts) {
    t += "  #" + std::to_string(a.attempt) + " " + a.started_at;
    if (a.duration_ms) t += " (" + std::to_string(*a.duration_ms) + " ms)";
    t += " " + std::string(to_string(a.outcome));
    if (a.error_code) t += ": " + *a.error_code;
    if (a.error_message) t += " - " + *a.error_message;
    if (a.provider_status) t += " [provider status " + std::to_string(*a.provider_status) + "]";
    if (a.error_where) t += "\n      at " + *a.error_where;
    t += "\n";
    if (a.provider_status || a.body_excerpt) last_with_provider = &a;
  }
  if (last_with_provider) {
    t += "Provider's last answer";
    if (last_with_provider->provider_status) t += " (status " + std::to_string(*last_with_provider->provider_status) + ")";
    t += ": " + last_with_provider->body_excerpt.value_or("(no body)") + "\n";
  }
  if (still_waiting(r)) {
    t += "No attempt reached it (connection refused, DNS, TLS handshake or no answer in time), so none counts.\n"
         "Every job waiting on it keeps retrying until retry.unreachable_seconds have passed since its first\n"
         "unanswered attempt, then ends needs_attention with another alert. Nothing to do if it comes back\n"
         "before; otherwise check this server's network and DNS, and the provider's status page.\n"
         "This alert comes once per outage (alerts.provider_down_seconds).\n";
    return t;
  }
  if (!r.attempts.empty() && r.attempts.back().outcome == AttemptOutcome::Unreachable) {
    t += "The provider could not be reached (no answer at all) for retry.unreachable_seconds.\n";
    if (r.job.kind == kind::kPaymentCharge)
      t += "The charge may or may not have happened, so the stock stays reserved and the customer was not told.\n"
           "Look the order up in the payment provider's dashboard (metadata order_id = " + r.order.id +
           "), then retry (it asks again with the same Idempotency-Key) or discard.\n";
  }
  t += "To run it again: shopd jobs retry " + r.job.id + "  (or POST /admin/jobs/" + r.job.id + "/retry)\n";
  return t;
}

namespace {

// The dead job, its order and every attempt, read fresh: the record says
// everything the team needs to act.
std::optional<FailureRecord> load_record(const JobContext& ctx) {
  const auto payload = nlohmann::json::parse(ctx.job.payload, nullptr, false);
  if (!payload.is_object() || !payload.contains("dead_job_id") || !payload["dead_job_id"].is_string())
    return std::nullopt;
  const auto dead_id = payload["dead_job_id"].get<std::string>();
  return ctx.store.read([&](store::Connection& db) -> std::optional<FailureRecord> {
    auto job = store::find_job(db, dead_id);
    if (!job) return std::nullopt;
    FailureRecord record{ctx.config.shop.name, ctx.order, *job, store::attempts_for_job(db, dead_id), std::nullopt};
    if (payload.contains("unreachable_since") && payload["unreachable_since"].is_string())
      record.unreachable_since = payload["unreachable_since"].get<std::string>();
    return record;
  });
}

// The alerts row of this job; one is made for an alert raised before shopd
// recorded alerts (a database migrated while alerts were queued).
store::AlertRow alert_row(const JobContext& ctx, const FailureRecord& record) {
  if (auto row = ctx.store.read([&](store::Connection& db) { return store::find_alert(db, ctx.job.id); }))
    return *row;
  return ctx.store.writer().run_always([&](store::Tx& tx) {
    store::record_alert(tx,
                        store::NewAlert{ctx.job.id, record.job.id, record.order.id, record.job.kind,
                                        record.job.kind + " dead: " + record.job.last_error,
                                        ctx.providers.webhook != nullptr, !ctx.config.alerts.email.empty()},
                        ctx.clock.now());
    return *store::find_alert(tx.db, ctx.job.id);
  });
}

struct Message {
  std::string subject;
  std::string text;
};

Message single_alert(const FailureRecord& record) {
  if (still_waiting(record))
    return Message{"[shopd] " + provider_name(record.job.kind) + " unreachable (" + record.job.kind + " for order " +
                       record.order.id + " waiting)",
                   failure_record_text(record)};
  return Message{"[shopd] " + record.job.kind + " dead for order " + record.order.id, failure_record_text(record)};
}

// A digest names every order it reports, so it is kept to a size a chat
// shows in full; a bigger storm goes out in one such digest per window.
constexpr int kDigestAlerts = 50;

Message digest(const Config& config, const std::vector<store::AlertRow>& batch) {
  std::string t = "shopd alert digest (" + config.shop.name + "): " + std::to_string(batch.size()) +
                  " jobs died, from " + batch.front().created_at + " to " + batch.back().created_at + "\n";
  for (const auto& alert : batch) t += "  order " + alert.order_id + ": " + alert.summary + "\n";
  t += "Each job's full record: shopd jobs list --state dead, GET /admin/jobs?state=dead, or the dashboard.\n";
  return Message{"[shopd] " + std::to_string(batch.size()) + " jobs dead (digest)", t};
}

// Tries every channel still pending for this alert (or batch), each on its
// own: one failing never stops the other. A channel that fails for good is
// marked failed and not tried again; one that may recover keeps the job retrying.
JobResult deliver(const JobContext& ctx, const store::AlertRow& alert, const Message& message) {
  std::optional<JobError> retryable, permanent;
  auto note = [&](store::AlertChannel channel, std::optional<JobError> error) {
    ctx.store.writer().run_always([&](store::Tx& tx) {
      if (!error) store::mark_alert_sent(tx, ctx.job.id, channel, ctx.clock.now());
      else if (error->is_permanent()) store::mark_alert_failed(tx, ctx.job.id, channel, ctx.clock.now());
    });
    if (error) (error->is_permanent() ? permanent : retryable) = std::move(error);
  };
  if (alert.webhook == ChannelState::Pending) {
    note(store::AlertChannel::Webhook,
         ctx.providers.webhook
             ? ctx.providers.webhook->post_text(message.text, ctx.cancel)
             : std::optional<JobError>(JobError::permanent("no_webhook", "alerts.webhook_url is not set any more")));
  }
  if (alert.email == ChannelState::Pending) {
    std::optional<JobError> error;
    if (ctx.config.alerts.email.empty()) {
      error = JobError::permanent("no_email", "alerts.email is not set any more");
    } else {
      Email e = new_email(ctx.job, ctx.config, Mailbox{"", ctx.config.alerts.email}, message.subject, ctx.clock.now());
      e.text = message.text;
      error = ctx.providers.mailer->send(e, ctx.cancel);
    }
    note(store::AlertChannel::Email, std::move(error));
  }
  if (retryable) return JobResult::failure(*retryable);
  if (permanent) return JobResult::failure(*permanent);
  return JobResult::success();
}

}  // namespace

JobResult run_alert_team(const JobContext& ctx) {
  const auto record = load_record(ctx);
  if (!record) return JobResult::failure(JobError::permanent("bad_payload", "alert names no existing dead job"));
  const store::AlertRow alert = alert_row(ctx, *record);
  if (alert.webhook == ChannelState::None && alert.email == ChannelState::None)
    return JobResult::failure(JobError::permanent(
        "no_channel", "no alert channel is configured: set alerts.webhook_url and/or alerts.email"));

  const TimePoint now = ctx.clock.now();
  const auto window = std::chrono::duration_cast<Millis>(std::chrono::duration<double>(ctx.config.alerts.digest_seconds));
  const auto mode = ctx.store.writer().run_always(
      [&](store::Tx& tx) { return store::choose_alert_mode(tx, ctx.job.id, now, window); });
  if (mode.alone) return deliver(ctx, alert, single_alert(*record));

  // Held for a digest.
  if (!alert.batch_id.empty() && alert.batch_id != ctx.job.id) return JobResult::success();  // another job sends it
  if (now < mode.window_end) return JobResult::deferred(mode.window_end);
  const auto batch = ctx.store.writer().run_always(
      [&](store::Tx& tx) { return store::claim_digest(tx, ctx.job.id, now, kDigestAlerts); });
  const bool mine = std::any_of(batch.begin(), batch.end(), [&](const auto& a) { return a.job_id == ctx.job.id; });
  if (!mine) return JobResult::success();  // claimed into another digest a moment ago
  return deliver(ctx, alert, batch.size() == 1 ? single_alert(*record) : digest(ctx.config, batch));
}

}  // namespace shopd
