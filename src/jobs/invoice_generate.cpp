// invoice.generate: give the paid order its invoice number and write the PDF.
//
// Running twice is safe: the number is assigned once per order (a second run
// gets the same number back from the invoices table), and the PDF is rendered
// from stored data only, so a re-run rewrites an identical file under the
// same name, atomically.
#include "core/country.h"
#include "core/files.h"
#include "jobs/handler.h"
#include "jobs/invoice_files.h"

namespace shopd {

std::string invoice_file_name(const store::InvoiceRecord& invoice) { return invoice.number + ".pdf"; }

std::filesystem::path invoice_path(const Config& config, const std::string& file_name) {
  return config.invoice.dir / file_name;
}

std::vector<std::string> buyer_address_lines(const Address& a) {
  std::vector<std::string> lines;
  for (const std::string* line : {&a.line1, &a.line2})
    if (!line->empty()) lines.push_back(*line);
  std::string city = a.postal_code.empty() ? a.city : a.postal_code + " " + a.city;
  if (!city.empty()) lines.push_back(std::move(city));
  const std::string_view country = country_name(a.country);
  lines.emplace_back(country.empty() ? std::string_view(a.country) : country);
  return lines;
}

InvoiceDocument build_invoice_document(const Order& order, const store::InvoiceRecord& invoice, const Config& config) {
  InvoiceDocument doc;
  doc.number = invoice.number;
  doc.issued_date = invoice.issued_at.substr(0, 10);
  doc.order_date = order.created_at.substr(0, 10);
  doc.order_id = order.id;
  doc.seller_name = config.shop.name;
  doc.seller_address = config.shop.address;
  doc.seller_tax_id = config.invoice.seller_tax_id;
  doc.buyer_name = order.customer.name;
  doc.buyer_address = buyer_address_lines(order.shipping);
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
