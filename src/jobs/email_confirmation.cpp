// email.confirmation: tell the customer the order is paid, invoice attached,
// in the order's language, with the words of confirmation.<locale>.txt/.html.
//
// Running twice is safe as far as email allows: the message is rendered from
// stored data with a Message-ID fixed per job, so the file transport
// overwrites the same .eml, and a relay or mail client that sees the same
// Message-ID again can drop the copy.
#include "jobs/compose.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"
#include "texts/mails.h"

namespace shopd {

namespace {

Email confirmation_email(const JobContext& ctx, const store::InvoiceRecord& invoice) {
  const Order& o = ctx.order;
  const texts::MailText text =
      texts::render_mail(ctx.providers.templates, "confirmation", texts::order_locale(o, ctx.config),
                         texts::confirmation_data(o, ctx.config, invoice.number));
  Email e = new_email(ctx.job, ctx.config, Mailbox{o.customer.name, o.customer.email}, text.subject, ctx.clock.now());
  e.text = text.text;
  e.html = text.html;
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

  Email email;
  try {
    email = confirmation_email(ctx, *stored.invoice);
  } catch (const texts::TemplateError& e) {  // startup checked them; a bug if it happens
    return JobResult::failure(JobError::permanent("template_error", e.what()));
  }
  email.attachments.push_back(Attachment{invoice_file_name(*stored.invoice), "application/pdf", *stored.pdf});
  if (auto error = ctx.providers.mailer->send(email, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
