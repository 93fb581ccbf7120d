// build_credit_note_document: what a credit note says, from the order, the
// refund, its credit note record and the invoice it corrects.
#include <doctest/doctest.h>

#include "jobs/credit_notes.h"

using namespace shopd;

namespace {

Order paid_order() {
  Order o;
  o.id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  o.total_cents = 5900;
  o.currency = "EUR";
  o.customer = {"ann@example.com", "Ann Example"};
  o.shipping = {"Hauptstrasse 5", "", "Berlin", "10115", "DE"};
  o.created_at = "2026-11-27T10:00:00.000Z";
  o.items = {{"MUG-01", "Coffee mug", 2, 1200}, {"TEE-01", "T-shirt", 1, 3500}};
  return o;
}

store::InvoiceRecord invoice() {
  store::InvoiceRecord r;
  r.order_id = paid_order().id;
  r.number = "INV-000007";
  r.total_cents = 5900;
  r.currency = "EUR";
  r.issued_at = "2026-11-28T00:00:01.000Z";
  return r;
}

store::CreditNoteRecord note(int64_t amount, int64_t tax) {
  store::CreditNoteRecord n;
  n.number = "CN-000003";
  n.invoice_number = "INV-000007";
  n.amount_cents = amount;
  n.tax_cents = tax;
  n.currency = "EUR";
  n.issued_at = "2026-12-02T09:00:00.000Z";
  return n;
}

Config config() {
  Config c;
  c.shop.name = "Demo Shop";
  c.invoice.tax_rate_percent = 19;
  return c;
}

}  // namespace

TEST_SUITE("credit_notes") {
  TEST_CASE("a refund of lines lists them with negative amounts and names the invoice it corrects") {
    store::Refund r;
    r.amount_cents = 2400;
    r.lines = {store::RefundLine{0, "MUG-01", 2, 2400}};
    const auto doc = build_credit_note_document(paid_order(), r, note(2400, 383), invoice(), config());
    CHECK(doc.credit_note);
    CHECK(doc.number == "CN-000003");
    CHECK(doc.issued_date == "2026-12-02");
    CHECK(doc.corrects_number == "INV-000007");
    CHECK(doc.corrects_date == "2026-11-28");
    REQUIRE(doc.lines.size() == 1);
    CHECK(doc.lines[0].description == "Coffee mug");
    CHECK(doc.lines[0].qty == 2);
    CHECK(doc.lines[0].unit_cents == -1200);
    CHECK(doc.lines[0].total_cents == -2400);
    CHECK(doc.total_cents == -2400);
    CHECK(doc.tax_cents == -383);
    CHECK(doc.tax_rate_percent == 19);
    CHECK(doc.buyer_name == "Ann Example");
  }

  TEST_CASE("a refund of an amount is one line for that amount") {
    store::Refund r;
    r.amount_cents = 500;
    const auto doc = build_credit_note_document(paid_order(), r, note(500, 80), invoice(), config());
    REQUIRE(doc.lines.size() == 1);
    CHECK(doc.lines[0].total_cents == -500);
    CHECK(doc.lines[0].description.find(paid_order().id) != std::string::npos);
    CHECK(doc.total_cents == -500);
  }

  TEST_CASE("lines that do not add up to the refund (a cancel after an amount refund) give one line") {
    store::Refund r;
    r.amount_cents = 5400;  // 59.00 less 5.00 refunded earlier, while every line is still there
    r.lines = {store::RefundLine{0, "MUG-01", 2, 2400}, store::RefundLine{1, "TEE-01", 1, 3500}};
    const auto doc = build_credit_note_document(paid_order(), r, note(5400, 862), invoice(), config());
    REQUIRE(doc.lines.size() == 1);
    CHECK(doc.lines[0].total_cents == -5400);
  }

  TEST_CASE("the rendered credit note is a PDF, the same bytes every time") {
    store::Refund r;
    r.amount_cents = 2400;
    r.lines = {store::RefundLine{0, "MUG-01", 2, 2400}};
    const auto doc = build_credit_note_document(paid_order(), r, note(2400, 383), invoice(), config());
    const std::string pdf = render_invoice_pdf(doc);
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    CHECK(render_invoice_pdf(doc) == pdf);
  }
}
