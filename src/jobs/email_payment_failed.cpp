// email.payment_failed: tell the customer the payment did not go through.
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "core/job_kind.h"
#include "core/money.h"
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "store/outbox_store.h"

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

// What the customer is told happened, and what they can do. A declined card
// is only ever mentioned when the provider said so.
struct Explanation {
  std::string what_happened;
  std::string what_you_can_do;
};

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

Explanation explain(const JobContext& ctx) {
  if (auto card = card_problem(ctx))
    return {*card + " Nothing was charged, and the items were put back on sale.",
            "place the order again with another card, or contact us by replying to this email."};
  return {"We could not complete the payment because of a problem on our side, not with your card. "
          "Your card was not charged, and the items were put back on sale.",
          "we have been told about the problem. Please place the order again a little later, or contact us by "
          "replying to this email."};
}

}  // namespace

JobResult run_email_payment_failed(const JobContext& ctx) {
  const Order& o = ctx.order;
  const Config& c = ctx.config;
  const Explanation why = explain(ctx);
  Email e = new_email(ctx.job, c, Mailbox{o.customer.name, o.customer.email},
                      "Payment failed - your order at " + c.shop.name, ctx.clock.now());
  e.text = "Hello " + o.customer.name + ",\n\n" + "we could not take the payment for your order at " + c.shop.name +
           ".\n\nWhat happened: " + why.what_happened + "\n\n" + "What you can do: " + why.what_you_can_do +
           "\n\n" + "Order: " + o.id + "\n" + items_text(o) + "\n" + c.shop.name + "\n";
  e.html = html_document(
      "Payment failed", "<p>Hello " + html_escape(o.customer.name) + ",</p><p>we could not take the payment for " +
                            "your order at " + html_escape(c.shop.name) + ".</p><p><b>What happened:</b> " +
                            html_escape(why.what_happened) + "</p><p><b>What you can do:</b> " +
                            html_escape(why.what_you_can_do) + "</p><p>Order <code>" + html_escape(o.id) +
                            "</code></p>" + items_html(o) + "<p>" + html_escape(c.shop.name) + "</p>");
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
