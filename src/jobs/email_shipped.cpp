// email.shipped: tell the customer the parcel left, with the carrier, the
// tracking number and the tracking link.
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "store/refund_store.h"

namespace shopd {

JobResult run_email_shipped(const JobContext& ctx) {
  const auto shipment =
      ctx.store.read([&](store::Connection& db) { return store::find_shipment(db, ctx.order.id); });
  if (!shipment) return JobResult::failure(JobError::permanent("shipment_missing", "the order has no shipment"));
  const Order& o = ctx.order;
  const Config& c = ctx.config;
  Email e = new_email(ctx.job, c, Mailbox{o.customer.name, o.customer.email}, "Your order has shipped - " + c.shop.name,
                      ctx.clock.now());
  const std::string& url = shipment->tracking_url;
  e.text = "Hello " + o.customer.name + ",\n\n" + "your order at " + c.shop.name + " is on its way.\n\n" +
           "Carrier: " + shipment->carrier + "\nTracking number: " + shipment->tracking_number + "\n" +
           (url.empty() ? "" : "Track your parcel: " + url + "\n") + "\nOrder: " + o.id + "\n" + items_text(o) +
           "\nOrder status: " + status_url(c, o) + "\n\n" + c.shop.name + "\n";
  e.html = html_document(
      "Shipped", "<p>Hello " + html_escape(o.customer.name) + ",</p><p>your order at " + html_escape(c.shop.name) +
                     " is on its way.</p><p>Carrier: " + html_escape(shipment->carrier) + "<br>Tracking number: <b>" +
                     html_escape(shipment->tracking_number) + "</b>" +
                     (url.empty() ? "" : "<br><a href=\"" + html_escape(url) + "\">Track your parcel</a>") +
                     "</p><p>Order <code>" + html_escape(o.id) + "</code></p>" + items_html(o) + "<p>" +
                     html_escape(c.shop.name) + "</p>");
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
