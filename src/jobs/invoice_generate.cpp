// invoice.generate: render the paid order's invoice and store the PDF in the
// database (invoices.pdf) in the transaction that marks the job done; then,
// when [invoice] dir is set, export a copy there.
//
// Running twice is safe: the number was assigned once, when the payment
// succeeded (store/invoice_store.h), and the PDF is rendered from stored data
// only, so a re-run stores (and exports) the identical document again.
#include "core/country.h"
#include "core/files.h"
#include "documents/document_pdf.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"
#include "obs/log.h"
#include "texts/document_texts.h"
#include "texts/mails.h"

namespace shopd {

std::string invoice_file_name(const store::InvoiceRecord& invoice) { return invoice.number + ".pdf"; }

std::filesystem::path invoice_path(const Config& config, const std::string& file_name) {
  return config.invoice.dir / file_name;
}

std::vector<std::string> buyer_address_lines(const Address& a, const std::string& locale) {
  std::vector<std::string> lines;
  for (const std::string* line : {&a.line1, &a.line2})
    if (!line->empty()) lines.push_back(*line);
  std::string city = a.postal_code.empty() ? a.city : a.postal_code + " " + a.city;
  if (!city.empty()) lines.push_back(std::move(city));
  const std::string_view country = country_name(a.country, locale);
  lines.emplace_back(country.empty() ? std::string_view(a.country) : country);
  return lines;
}

TaxDocument build_invoice_document(const Order& order, const store::InvoiceRecord& invoice, const Config& config) {
  TaxDocument doc;
  doc.kind = DocumentKind::Invoice;
  doc.locale = texts::order_locale(order, config);
  doc.number = invoice.number;
  doc.issued_date = invoice.issued_at.substr(0, 10);
  doc.order_date = order.created_at.substr(0, 10);
  doc.order_id = order.id;
  doc.seller_name = config.shop.name;
  doc.seller_address = config.shop.address;
  doc.seller_tax_id = config.invoice.seller_tax_id;
  doc.legal_lines = config.invoice.legal_lines;
  doc.buyer_name = order.customer.name;
  doc.buyer_address = buyer_address_lines(order.shipping, doc.locale);
  doc.buyer_vat_id = order.customer.vat_id;
  doc.lines = order_lines(order, config.tax.single_rate_bp);
  doc.currency = invoice.currency;
  doc.amounts_include_vat = order.amounts_include_vat;
  doc.regime = order.tax_regime.value_or(tax::TaxRegime::SingleRate);
  doc.destination_country = order.shipping.country;
  doc.paid_date = order.paid_at.substr(0, 10);
  doc.test_mode = config.payment.provider == "test";
  return doc;
}

store::NewInvoice new_invoice(const Order& order, const Config& config) {
  const tax::Totals totals = build_invoice_document(order, store::InvoiceRecord{}, config).totals();
  return store::NewInvoice{order.id, config.invoice.prefix, order.total_cents, totals.vat_cents, order.currency};
}

namespace {

// The export folder is a convenience copy: the database holds the document,
// so a failed export is logged, never retried.
void export_copy(const Config& config, const std::string& file, const std::string& pdf) {
  try {
    write_file_atomically(invoice_path(config, file), pdf, config.database.synchronous == "full");
  } catch (const std::exception& e) {
    log::warn("invoice not exported", {{"file", file}, {"error", e.what()}});
  }
}

}  // namespace

JobResult run_invoice_generate(const JobContext& ctx) {
  const Order& order = ctx.order;
  auto invoice = ctx.store.read([&](store::Connection& db) { return store::find_invoice(db, order.id); });
  if (!invoice) {
    // Paid before invoice numbers were assigned at payment (an older shopd).
    invoice = ctx.store.writer().run_always([&](store::Tx& tx) {
      return store::assign_invoice(tx, new_invoice(order, ctx.config), ctx.clock.now());
    });
  }
  std::string pdf;
  try {
    const TaxDocument doc = build_invoice_document(order, *invoice, ctx.config);
    pdf = render_document_pdf(doc, texts::document_texts(ctx.providers.templates, doc));
  } catch (const std::exception& e) {
    return JobResult::failure(JobError::transient("render_failed", e.what()));
  }
  const bool exporting = !ctx.config.invoice.dir.empty();
  const std::string file = exporting ? invoice_file_name(*invoice) : "";
  JobResult result = JobResult::success([order_id = order.id, pdf, file](store::Tx& tx, TimePoint) {
    store::store_invoice_pdf(tx, order_id, pdf);
    if (!file.empty()) store::set_invoice_file(tx, order_id, file);
  });
  if (exporting)
    result.after_commit = [&config = ctx.config, file, pdf = std::move(pdf)] { export_copy(config, file, pdf); };
  return result;
}

}  // namespace shopd
