// email.refunded: tell the customer money went back, with the refund's credit
// note attached. The job's key is the refund's id (one email per refund).
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "core/money.h"
#include "jobs/compose.h"
#include "jobs/credit_notes.h"
#include "jobs/handler.h"

namespace shopd {

JobResult run_email_refunded(const JobContext& ctx) {
  const std::string& refund_id = ctx.job.job_key;
  struct Stored {
    std::optional<store::Refund> refund;
    std::optional<store::CreditNoteRecord> note;
    std::optional<std::string> pdf;
  };
  const auto stored = ctx.store.read([&](store::Connection& db) {
    return Stored{store::find_refund(db, refund_id), store::find_credit_note(db, refund_id),
                  store::credit_note_pdf(db, refund_id)};
  });
  if (!stored.refund || !stored.note || !stored.pdf)
    return JobResult::failure(JobError::transient("credit_note_missing", "the refund has no credit note document yet"));

  const Order& o = ctx.order;
  const Config& c = ctx.config;
  const std::string amount = format_money(stored.refund->amount_cents, stored.refund->currency);
  const std::string& number = stored.note->number;
  Email e = new_email(ctx.job, c, Mailbox{o.customer.name, o.customer.email},
                      "Refund of " + amount + " - " + c.shop.name + " credit note " + number, ctx.clock.now());
  e.text = "Hello " + o.customer.name + ",\n\n" + "we refunded " + amount + " of your order at " + c.shop.name +
           " to your original payment method. It can take a few days to show on your statement.\n\n" +
           "Credit note " + number + " (correcting invoice " + stored.note->invoice_number + ") is attached.\n" +
           "Order: " + o.id + "\nOrder status: " + status_url(c, o) + "\n\n" + c.shop.name + "\n";
  e.html = html_document(
      "Refund", "<p>Hello " + html_escape(o.customer.name) + ",</p><p>we refunded <b>" + html_escape(amount) +
                    "</b> of your order at " + html_escape(c.shop.name) +
                    " to your original payment method. It can take a few days to show on your statement.</p>"
                    "<p>Credit note <b>" + html_escape(number) + "</b> (correcting invoice " +
                    html_escape(stored.note->invoice_number) + ") is attached.</p><p>Order <code>" +
                    html_escape(o.id) + "</code></p><p>" + html_escape(c.shop.name) + "</p>");
  e.attachments.push_back(Attachment{credit_note_file_name(*stored.note), "application/pdf", *stored.pdf});
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
