// email.cancelled: tell the customer an owner cancelled the order, and what
// becomes of the money: nothing was charged (the payment never ran, or
// failed), it is refunded with a credit note to follow (paid), or, while the
// payment is still under way, that whatever goes through is refunded. The
// words are cancelled.<locale>.txt/.html (texts/mails.h).
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

texts::CancelledMoney what_becomes_of_the_money(const JobContext& ctx) {
  if (!ctx.order.paid_at.empty()) return texts::CancelledMoney::RefundFollows;
  const auto jobs = ctx.store.read([&](store::Connection& db) { return store::jobs_for_order(db, ctx.order.id); });
  for (const auto& j : jobs)
    if (j.kind == kind::kPaymentCharge && j.job_key.empty() && !is_given_up(j.state) && j.state != JobState::Done)
      return texts::CancelledMoney::PaymentUnderWay;
  return texts::CancelledMoney::NothingCharged;
}

}  // namespace

JobResult run_email_cancelled(const JobContext& ctx) {
  const Order& o = ctx.order;
  texts::MailText text;
  try {
    text = texts::render_mail(ctx.providers.templates, "cancelled", texts::order_locale(o, ctx.config),
                              texts::cancelled_data(o, ctx.config, what_becomes_of_the_money(ctx)));
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
