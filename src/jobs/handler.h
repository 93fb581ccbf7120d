// What a job handler is. One handler per job kind, one file each in src/jobs/.
//
// A handler does the job's work outside the database (charge, render, send)
// and returns a JobResult: either a typed JobError, or success plus the
// database effects that must commit together with "done" (same transaction,
// so a crash can never leave "charged but not recorded as charged"
// half-applied). Handlers are stateless functions; everything an attempt
// needs is in the JobContext.
//
// Delivery is at least once: a handler may run again after a crash or a
// lost lease. Each handler file opens with why running it twice is safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/cancel.h"
#include "core/error.h"
#include "core/order.h"
#include "core/time.h"
#include "providers/mailer.h"
#include "providers/payment.h"
#include "providers/webhook.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "texts/template_set.h"

namespace shopd {

// The outside world, built once per process from the config.
struct Providers {
  std::unique_ptr<PaymentProvider> payment;
  std::unique_ptr<Mailer> mailer;
  std::unique_ptr<Webhook> webhook;  // null when alerts.webhook_url is empty
  // The customer-facing texts: built-in, or the owner's [templates] dir over them.
  texts::TemplateSet templates{};
};
// Throws texts::TemplateError (one line naming the file) when a template in
// [templates] dir is not usable; ConfigError for an unknown mail transport.
Providers make_providers(const Config& config);

struct JobContext {
  const store::Job& job;  // attempts already counts this attempt
  const Order& order;
  const Config& config;
  Providers& providers;
  store::Store& store;
  const Cancel& cancel;
  const Clock& clock;
};

struct JobResult {
  using Effects = std::function<void(store::Tx&, TimePoint now)>;

  std::optional<JobError> error;
  // Runs in the transaction that marks the job done; must be idempotent.
  Effects on_done;
  // Runs in the transaction that records the attempt, whatever its outcome
  // (the PaymentIntent id of a declined payment); must be idempotent.
  Effects on_finish;
  // Run again at this time without using up an attempt (an alert held for
  // the storm digest).
  std::optional<TimePoint> defer_until;
  // Runs after the transaction that marked the job done committed (the
  // invoice's export copy). Best effort: it must not fail the job.
  std::function<void()> after_commit;

  static JobResult success(Effects effects = {}) { return JobResult{std::nullopt, std::move(effects), {}, {}, {}}; }
  static JobResult failure(JobError error, Effects effects = {}) {
    return JobResult{std::move(error), {}, std::move(effects), {}, {}};
  }
  static JobResult deferred(TimePoint until) { return JobResult{std::nullopt, {}, {}, until, {}}; }
};

// Which kind each handler runs: the kind table (outbox/job_kinds.cpp).
using JobHandler = JobResult (*)(const JobContext&);

// The Idempotency-Key of every charge attempt for an order.
std::string payment_idempotency_key(const std::string& order_id);
// The Idempotency-Key of every attempt of one refund.
std::string refund_idempotency_key(const std::string& refund_id);

// One declaration per src/jobs/*.cpp.
JobResult run_payment_charge(const JobContext& ctx);
JobResult run_inventory_commit(const JobContext& ctx);
JobResult run_inventory_release(const JobContext& ctx);
JobResult run_invoice_generate(const JobContext& ctx);
JobResult run_email_confirmation(const JobContext& ctx);
JobResult run_email_payment_failed(const JobContext& ctx);
JobResult run_alert_team(const JobContext& ctx);
JobResult run_email_cancelled(const JobContext& ctx);
JobResult run_payment_refund(const JobContext& ctx);
JobResult run_credit_note_generate(const JobContext& ctx);
JobResult run_email_refunded(const JobContext& ctx);
JobResult run_email_shipped(const JobContext& ctx);

}  // namespace shopd
