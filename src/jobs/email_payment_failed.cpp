// email.payment_failed: tell the customer the payment did not go through.
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "core/job_kind.h"
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "store/outbox_store.h"
#include "texts/mails.h"

namespace shopd {

namespace {

// Whether the provider's message speaks to the customer about their card:
// Stripe's card errors come with 402, and a confirmed PaymentIntent that did
// not succeed comes with 2xx and its last_payment_error. Any other answer (401
// for a wrong secret key, 400 for a bad request) is the shop's problem, told
// to the team by the alert and never to the customer.
bool is_for_the_customer(const store::Attempt& a) {
  return a.provider_status && (*a.provider_status == 402 || (*a.provider_status >= 200 && *a.provider_status <= 299));
}

// The provider's own words for the customer ("Your card was declined."),
// from the payment job's last attempt, when it spoke about the card.
std::optional<std::string> card_problem(const JobContext& ctx) {
  return ctx.store.read([&](store::Connection& db) -> std::optional<std::string> {
    for (const auto& job : store::jobs_for_order(db, ctx.order.id)) {
      if (job.kind != kind::kPaymentCharge) continue;
      const auto attempts = store::attempts_for_job(db, job.id);
      for (auto it = attempts.rbegin(); it != attempts.rend(); ++it)
        if (it->outcome == AttemptOutcome::Permanent && it->error_message && is_for_the_customer(*it)) return *it->error_message;
    }
    return std::nullopt;
  });
}

}  // namespace

// What the customer is told happened, and what they can do: a declined card
// is only ever mentioned when the provider said so (payment_failed.*: the
// card_declined section, else the one for a problem on the shop's side).
JobResult run_email_payment_failed(const JobContext& ctx) {
  const Order& o = ctx.order;
  texts::MailText text;
  try {
    text = texts::render_mail(ctx.providers.templates, "payment_failed", texts::order_locale(o, ctx.config),
                              texts::payment_failed_data(o, ctx.config, card_problem(ctx)));
  } catch (const texts::TemplateError& e) {  // startup checked them; a bug if it happens
    return JobResult::failure(JobError::permanent("template_error", e.what()));
  }
  Email e = new_email(ctx.job, ctx.config, Mailbox{o.customer.name, o.customer.email}, text.subject, ctx.clock.now());
  e.text = text.text;
  e.html = text.html;
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
