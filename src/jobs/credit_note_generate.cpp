// credit_note.generate: render a succeeded refund's credit note and store the
// PDF in the database (credit_notes.pdf) in the transaction that marks the
// job done; with [invoice] dir set, export a copy there like invoices. The
// job's key is the refund's id. The document is the invoice's model and
// renderer (documents/tax_document.h, document_pdf.h) with the words of
// document.<locale>.txt.
//
// Running twice is safe: the number was assigned once, when the refund
// succeeded, and the PDF is rendered from stored data only, so a re-run
// stores (and exports) the identical document again.
#include "core/files.h"
#include "documents/document_pdf.h"
#include "jobs/credit_notes.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"
#include "obs/log.h"
#include "texts/document_texts.h"

namespace shopd {

namespace {

struct Stored {
  std::optional<store::Refund> refund;
  std::optional<store::CreditNoteRecord> note;
  std::optional<store::InvoiceRecord> invoice;
};

void export_copy(const Config& config, const std::string& file, const std::string& pdf) {
  try {
    write_file_atomically(invoice_path(config, file), pdf, config.database.synchronous == "full");
  } catch (const std::exception& e) {
    log::warn("credit note not exported", {{"file", file}, {"error", e.what()}});
  }
}

}  // namespace

JobResult run_credit_note_generate(const JobContext& ctx) {
  const std::string& refund_id = ctx.job.job_key;
  const auto stored = ctx.store.read([&](store::Connection& db) {
    return Stored{store::find_refund(db, refund_id), store::find_credit_note(db, refund_id),
                  store::find_invoice(db, ctx.order.id)};
  });
  if (!stored.refund || !stored.note || !stored.invoice)
    return JobResult::failure(
        JobError::permanent("credit_note_missing", "refund " + refund_id + " has no credit note number"));
  std::string pdf;
  try {
    TaxDocument doc =
        build_credit_note_document(ctx.order, *stored.refund, *stored.note, *stored.invoice, ctx.config);
    const DocumentTexts words = texts::document_texts(ctx.providers.templates, doc);
    name_refund_lines(doc, words.get("refund"));
    pdf = render_document_pdf(doc, words);
  } catch (const std::exception& e) {
    return JobResult::failure(JobError::transient("render_failed", e.what()));
  }
  JobResult result = JobResult::success(
      [refund_id, pdf](store::Tx& tx, TimePoint) { store::store_credit_note_pdf(tx, refund_id, pdf); });
  if (!ctx.config.invoice.dir.empty())
    result.after_commit = [&config = ctx.config, file = credit_note_file_name(*stored.note), pdf = std::move(pdf)] {
      export_copy(config, file, pdf);
    };
  return result;
}

}  // namespace shopd
