// invoice.generate: give the paid order its invoice number and write the PDF.
//
// Running twice is safe: the number is assigned once per order (a second run
// gets the same number back from the invoices table), and the PDF is rendered
// from stored data only, so a re-run rewrites an identical file under the
// same name, atomically.
#include "core/files.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"

namespace shopd {

std::string invoice_file_name(const store::InvoiceRecord& invoice) { return invoice.number + ".pdf"; }

std::filesystem::path invoice_path(const Config& config, const std::string& file_name) {
  return config.invoice.dir / file_name;
}

InvoiceDocument build_invoice_document(const Order& order, const store::InvoiceRecord& invoice, const Config& config) {
  InvoiceDocument doc;
  doc.number = invoice.number;
  doc.issued_date = invoice.issued_at.substr(0, 10);
  doc.order_id = order.id;
  doc.shop_name = config.shop.name;
  doc.shop_address = config.shop.address;
  doc.shop_vat_id = config.shop.vat_id;
  doc.customer_name = order.customer.name;
  const Address& a = order.shipping;
  doc.bill_to = {order.customer.name, a.line1};
  if (!a.line2.empty()) doc.bill_to.push_back(a.line2);
  doc.bill_to.push_back((a.postal_code.empty() ? "" : a.postal_code + " ") + a.city);
  doc.bill_to.push_back(a.country);
  for (const auto& item : order.items)
    doc.lines.push_back(InvoiceLine{item.name, item.sku, item.qty, item.price_cents, item.price_cents * item.qty});
  doc.currency = invoice.currency;
  doc.total_cents = invoice.total_cents;
  doc.tax_rate_percent = config.invoice.tax_rate_percent;
  doc.tax_cents = invoice.tax_cents;
  return doc;
}

JobResult run_invoice_generate(const JobContext& ctx) {
  const Order& order = ctx.order;
  const store::NewInvoice wanted{order.id, ctx.config.invoice.prefix, order.total_cents,
                                 included_tax_cents(order.total_cents, ctx.config.invoice.tax_rate_percent),
                                 order.currency};
  const auto invoice = ctx.store.writer().run_always(
      [&](store::Tx& tx) { return store::assign_invoice(tx, wanted, ctx.clock.now()); });
  const std::string file = invoice_file_name(invoice);
  try {
    write_file_atomically(invoice_path(ctx.config, file),
                          render_invoice_pdf(build_invoice_document(order, invoice, ctx.config)));
  } catch (const std::exception& e) {
    return JobResult::failure(JobError::transient("io_error", e.what()));
  }
  return JobResult::success([order_id = order.id, file](store::Tx& tx, TimePoint) {
    store::set_invoice_file(tx, order_id, file);
  });
}

}  // namespace shopd
