// email.confirmation: tell the customer the order is paid, invoice attached.
//
// Running twice is safe as far as email allows: the message is rendered from
// stored data with a Message-ID fixed per job, so the file transport
// overwrites the same .eml, and a relay or mail client that sees the same
// Message-ID again can drop the copy.
#include "core/money.h"
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"

namespace shopd {

namespace {

Email confirmation_email(const JobContext& ctx, const store::InvoiceRecord& invoice) {
  const Order& o = ctx.order;
  const Config& c = ctx.config;
  Email e = new_email(ctx.job, c, Mailbox{o.customer.name, o.customer.email},
                      "Order confirmed - " + c.shop.name + " invoice " + invoice.number, ctx.clock.now());
  const std::string url = status_url(c, o);
  e.text = "Hello " + o.customer.name + ",\n\n" + "thank you for your order at " + c.shop.name +
           ". Your payment was received.\n\n" + "Order: " + o.id + "\n" + items_text(o) + "\nInvoice " +
           invoice.number + " is attached.\n" + "Order status: " + url + "\n\n" + c.shop.name + "\n";
  e.html = html_document(
      "Order confirmed", "<p>Hello " + html_escape(o.customer.name) + ",</p><p>thank you for your order at " +
                             html_escape(c.shop.name) + ". Your payment was received.</p><p>Order <code>" +
                             html_escape(o.id) + "</code></p>" + items_html(o) + "<p>Invoice <b>" +
                             html_escape(invoice.number) + "</b> is attached.</p><p><a href=\"" + html_escape(url) +
                             "\">See your order's status</a></p><p>" + html_escape(c.shop.name) + "</p>");
  return e;
}

}  // namespace

JobResult run_email_confirmation(const JobContext& ctx) {
  struct Stored {
    std::optional<store::InvoiceRecord> invoice;
    std::optional<std::string> pdf;
  };
  const auto stored = ctx.store.read([&](store::Connection& db) {
    return Stored{store::find_invoice(db, ctx.order.id), store::invoice_pdf(db, ctx.order.id)};
  });
  if (!stored.invoice || !stored.pdf)
    return JobResult::failure(JobError::transient("invoice_missing", "the order has no invoice document yet"));

  Email email = confirmation_email(ctx, *stored.invoice);
  email.attachments.push_back(Attachment{invoice_file_name(*stored.invoice), "application/pdf", *stored.pdf});
  if (auto error = ctx.providers.mailer->send(email, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
