// alert.team: tell the team a job died, with its full failure record, through
// the webhook and/or by email to alerts.email.
//
// Running twice is safe: once the webhook took the message, the job's payload
// records it, so a retry for the email copy (the relay may be the very thing
// that is down) does not post to the chat again. Only a crash between the
// post and that record can repeat the chat message; the email copy has a
// Message-ID fixed per job. A dead alert.team never raises another alert (see
// outbox/failure_hook.cpp).
#include <nlohmann/json.hpp>

#include "core/money.h"
#include "jobs/compose.h"
#include "jobs/failure_record.h"
#include "jobs/handler.h"

namespace shopd {

std::string failure_record_text(const FailureRecord& r) {
  std::string t = "shopd alert (" + r.shop_name + "): job " + r.job.kind + " is dead for order " + r.order.id + "\n";
  t += "Order status: " + r.order.status + ", total " + format_money(r.order.total_cents, r.order.currency) +
       ", placed " + r.order.created_at + "\n";
  t += "Job " + r.job.id + ": " + std::to_string(r.job.attempts) + " of " + std::to_string(r.job.max_attempts) +
       " attempts used\n";
  t += "Attempts:\n";
  const store::Attempt* last_with_provider = nullptr;
  for (const auto& a : r.attempts) {
    t += "  #" + std::to_string(a.attempt) + " " + a.started_at;
    if (a.duration_ms) t += " (" + std::to_string(*a.duration_ms) + " ms)";
    t += " " + a.outcome;
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
  t += "To run it again: shopd jobs retry " + r.job.id + "  (or POST /admin/jobs/" + r.job.id + "/retry)\n";
  return t;
}

namespace {

constexpr const char* kWebhookDelivered = "webhook_delivered";

std::optional<FailureRecord> load_record(const JobContext& ctx, const nlohmann::json& payload) {
  if (!payload.is_object() || !payload.contains("dead_job_id") || !payload["dead_job_id"].is_string())
    return std::nullopt;
  const auto dead_id = payload["dead_job_id"].get<std::string>();
  return ctx.store.read([&](store::Connection& db) -> std::optional<FailureRecord> {
    auto job = store::find_job(db, dead_id);
    if (!job) return std::nullopt;
    return FailureRecord{ctx.config.shop.name, ctx.order, *job, store::attempts_for_job(db, dead_id)};
  });
}

}  // namespace

JobResult run_alert_team(const JobContext& ctx) {
  nlohmann::json payload = nlohmann::json::parse(ctx.job.payload, nullptr, false);
  const auto record = load_record(ctx, payload);
  if (!record) return JobResult::failure(JobError::permanent("bad_payload", "alert names no existing dead job"));
  const std::string text = failure_record_text(*record);

  if (ctx.providers.webhook && !payload.value(kWebhookDelivered, false)) {
    if (auto error = ctx.providers.webhook->post_text(text, ctx.cancel)) return JobResult::failure(*error);
    payload[kWebhookDelivered] = true;
    ctx.store.writer().run_always([&](store::Tx& tx) { store::set_payload(tx, ctx.job, payload.dump()); });
  }
  if (!ctx.config.alerts.email.empty()) {
    Email e = new_email(ctx.job, ctx.config, Mailbox{"", ctx.config.alerts.email},
                        "[shopd] " + record->job.kind + " dead for order " + ctx.order.id, ctx.clock.now());
    e.text = text;
    if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  }
  return JobResult::success();
}

}  // namespace shopd
