// email.cancelled: tell the customer an owner cancelled the order, and what
// becomes of the money: nothing was charged, or (once paid) it is refunded and
// a credit note follows in its own email.
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "jobs/compose.h"
#include "jobs/handler.h"

namespace shopd {

JobResult run_email_cancelled(const JobContext& ctx) {
  const Order& o = ctx.order;
  const Config& c = ctx.config;
  const std::string money = o.paid_at.empty()
                                ? "Nothing was charged."
                                : "Your payment is being refunded in full; a credit note follows in a separate email.";
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
