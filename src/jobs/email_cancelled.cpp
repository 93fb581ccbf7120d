// email.cancelled: tell the customer an owner cancelled the order, and what
// becomes of the money: nothing was charged (the payment never ran, or
// failed), it is refunded with a credit note to follow (paid), or, while the
// payment is still under way, that whatever goes through is refunded.
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "core/job_kind.h"
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "store/outbox_store.h"

namespace shopd {

namespace {

std::string what_becomes_of_the_money(const JobContext& ctx) {
  if (!ctx.order.paid_at.empty())
    return "Your payment is being refunded in full; a credit note follows in a separate email.";
  const auto jobs = ctx.store.read([&](store::Connection& db) { return store::jobs_for_order(db, ctx.order.id); });
  for (const auto& j : jobs)
    if (j.kind == kind::kPaymentCharge && j.job_key.empty() && !is_given_up(j.state) && j.state != JobState::Done)
      return "If your payment goes through all the same, it is refunded in full and you get a credit note.";
  return "Nothing was charged.";
}

}  // namespace

JobResult run_email_cancelled(const JobContext& ctx) {
  const Order& o = ctx.order;
  const Config& c = ctx.config;
  const std::string money = what_becomes_of_the_money(ctx);
  Email e = new_email(ctx.job, c, Mailbox{o.customer.name, o.customer.email},
                      "Order cancelled - " + c.shop.name, ctx.clock.now());
  e.text = "Hello " + o.customer.name + ",\n\n" + "your order at " + c.shop.name + " was cancelled. " + money +
           "\n\n" + "Order: " + o.id + "\n" + items_text(o) + "\nOrder status: " + status_url(c, o) + "\n\n" +
           c.shop.name + "\n";
  e.html = html_document("Order cancelled", "<p>Hello " + html_escape(o.customer.name) + ",</p><p>your order at " +
                                                html_escape(c.shop.name) + " was cancelled. " + html_escape(money) +
                                                "</p><p>Order <code>" + html_escape(o.id) + "</code></p>" +
                                                items_html(o) + "<p>" + html_escape(c.shop.name) + "</p>");
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
