// email.shipped: tell the customer the parcel left, with the carrier, the
// tracking number and the tracking link, in the order's language
// (shipped.<locale>.txt/.html).
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "store/refund_store.h"
#include "texts/mails.h"

namespace shopd {

JobResult run_email_shipped(const JobContext& ctx) {
  const auto shipment =
      ctx.store.read([&](store::Connection& db) { return store::find_shipment(db, ctx.order.id); });
  if (!shipment) return JobResult::failure(JobError::permanent("shipment_missing", "the order has no shipment"));
  const Order& o = ctx.order;
  texts::MailText text;
  try {
    text = texts::render_mail(ctx.providers.templates, "shipped", texts::order_locale(o, ctx.config),
                              texts::shipped_data(o, ctx.config, shipment->carrier, shipment->tracking_number,
                                                  shipment->tracking_url));
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
