// email.refunded: tell the customer money went back, with the refund's credit
// note attached, in the order's language (refunded.<locale>.txt/.html). The
// job's key is the refund's id (one email per refund).
//
// Running twice is safe as far as email allows: same Message-ID per job (see
// email_confirmation.cpp).
#include "jobs/compose.h"
#include "jobs/credit_notes.h"
#include "jobs/handler.h"
#include "texts/mails.h"

namespace shopd {

namespace {

std::vector<texts::RefundedItem> refunded_items(const Order& order, const store::Refund& refund) {
  std::vector<texts::RefundedItem> out;
  for (const auto& line : refund.lines) {
    const bool known = line.line_no >= 0 && static_cast<size_t>(line.line_no) < order.items.size();
    out.push_back(texts::RefundedItem{line.qty, known ? order.items[static_cast<size_t>(line.line_no)].name : line.sku,
                                      line.sku});
  }
  return out;
}

}  // namespace

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
  texts::MailText text;
  try {
    text = texts::render_mail(ctx.providers.templates, "refunded", texts::order_locale(o, ctx.config),
                              texts::refunded_data(o, ctx.config, stored.refund->amount_cents, stored.note->number,
                                                   stored.note->invoice_number, refunded_items(o, *stored.refund)));
  } catch (const texts::TemplateError& e) {  // startup checked them; a bug if it happens
    return JobResult::failure(JobError::permanent("template_error", e.what()));
  }
  Email e = new_email(ctx.job, ctx.config, Mailbox{o.customer.name, o.customer.email}, text.subject, ctx.clock.now());
  e.text = text.text;
  e.html = text.html;
  e.attachments.push_back(Attachment{credit_note_file_name(*stored.note), "application/pdf", *stored.pdf});
  if (auto error = ctx.providers.mailer->send(e, ctx.cancel)) return JobResult::failure(*error);
  return JobResult::success();
}

}  // namespace shopd
