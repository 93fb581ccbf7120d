// build_credit_note_document: a credit note as i21's tax document model holds
// it, from the order, the refund, its credit note record and the invoice it
// corrects; and what a refund of lines gives back.
#include <doctest/doctest.h>

#include "documents/document_pdf.h"
#include "jobs/credit_notes.h"
#include "texts/document_texts.h"

using namespace shopd;

namespace {

// Two mugs at 12.00 and a T-shirt at 35.00, 19 % included, 4.90 shipping: 63.90.
Order paid_order(int64_t shipping_cents = 490) {
  Order o;
  o.id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  o.currency = "EUR";
  o.customer = {"ann@example.com", "Ann Example"};
  o.shipping = {"Hauptstrasse 5", "", "Berlin", "10115", "DE"};
  o.created_at = "2026-11-27T10:00:00.000Z";
  o.paid_at = "2026-11-27T10:00:01.000Z";
  o.items = {OrderItem{"MUG-01", "Coffee mug", 2, 1200, tax::VatCategory::Standard, 1900},
             OrderItem{"TEE-01", "T-shirt", 1, 3500, tax::VatCategory::Standard, 1900}};
  o.tax_regime = tax::TaxRegime::Domestic;
  o.tax_country = "DE";
  o.shipping_cents = shipping_cents;
  o.shipping_vat_rate_bp = 1900;
  o.total_cents = 2 * 1200 + 3500 + shipping_cents;
  return o;
}

store::InvoiceRecord invoice() {
  store::InvoiceRecord r;
  r.order_id = paid_order().id;
  r.number = "INV-000007";
  r.total_cents = 6390;
  r.currency = "EUR";
  r.issued_at = "2026-11-28T00:00:01.000Z";
  return r;
}

store::CreditNoteRecord note() {
  store::CreditNoteRecord n;
  n.number = "CN-000003";
  n.invoice_number = "INV-000007";
  n.currency = "EUR";
  n.issued_at = "2026-12-02T09:00:00.000Z";
  return n;
}

store::Refund refund_of(int64_t amount, std::vector<store::RefundLine> lines = {}) {
  store::Refund r;
  r.amount_cents = amount;
  r.lines = std::move(lines);
  r.succeeded_at = "2026-12-02T09:00:00.000Z";
  return r;
}

Config config() {
  Config c;
  c.shop.name = "Demo Shop";
  c.tax.country = "DE";
  return c;
}

}  // namespace

TEST_SUITE("credit_notes") {
  TEST_CASE("a refund of lines credits them, negative, and names the invoice it corrects") {
    const Order order = paid_order();
    const std::vector<store::RefundLine> lines = {{0, "MUG-01", 2, 2400}};
    CHECK(refund_cents_for_lines(order, lines, config()) == 2400);
    const auto doc = build_credit_note_document(order, refund_of(2400, lines), note(), invoice(), config());
    CHECK(doc.kind == DocumentKind::CreditNote);
    CHECK(doc.number == "CN-000003");
    CHECK(doc.issued_date == "2026-12-02");
    REQUIRE(doc.corrects.has_value());
    CHECK(doc.corrects->number == "INV-000007");
    CHECK(doc.corrects->date == "2026-11-28");
    CHECK(doc.paid_date == "2026-12-02");
    REQUIRE(doc.lines.size() == 1);
    CHECK(doc.lines[0].description == "Coffee mug");
    CHECK(doc.lines[0].amounts.qty == 2);
    CHECK(doc.lines[0].amounts.unit_cents == -1200);
    CHECK(doc.lines[0].amounts.rate_bp == 1900);
    const auto totals = doc.totals();
    CHECK(totals.gross_cents == -2400);
    CHECK(totals.vat_cents == -383);  // 24.00 * 19 / 119, rounded
    CHECK(doc.buyer_name == "Ann Example");
  }

  TEST_CASE("a cancel's refund of every line and the shipping credits the shipping line too") {
    const Order order = paid_order();
    const auto doc = build_credit_note_document(
        order, refund_of(6390, {{0, "MUG-01", 2, 2400}, {1, "TEE-01", 1, 3500}}), note(), invoice(), config());
    REQUIRE(doc.lines.size() == 3);
    CHECK(doc.lines[2].shipping);
    CHECK(doc.totals().gross_cents == -6390);
  }

  TEST_CASE("a refund of an amount, or of lines that do not add up to it, is the amount over the invoice's rates") {
    for (const auto& lines : {std::vector<store::RefundLine>{}, std::vector<store::RefundLine>{{0, "MUG-01", 2, 2400}}}) {
      auto doc = build_credit_note_document(paid_order(), refund_of(500, lines), note(), invoice(), config());
      REQUIRE(doc.lines.size() == 1);
      CHECK(doc.lines[0].amounts.amount_cents() == -500);
      CHECK(doc.lines[0].description.empty());
      CHECK(doc.amounts_include_vat);
      name_refund_lines(doc, "Refund");
      CHECK(doc.lines[0].description == "Refund");
      CHECK(doc.totals().gross_cents == -500);
    }
  }

  TEST_CASE("on net prices a refund of lines gives back their gross, VAT included") {
    Order order = paid_order(0);
    order.amounts_include_vat = false;  // 12.00 and 35.00 net
    CHECK(refund_cents_for_lines(order, {{0, "MUG-01", 1, 1200}}, config()) == 1428);  // 12.00 + 2.28 VAT
  }

  TEST_CASE("the credit note renders with the document's words, the same bytes every time") {
    auto doc = build_credit_note_document(paid_order(), refund_of(2400, {{0, "MUG-01", 2, 2400}}), note(), invoice(),
                                          config());
    const texts::TemplateSet builtin;
    const DocumentTexts words = texts::document_texts(builtin, doc);
    CHECK(words.get("refund") == "Refund");
    CHECK(words.get("credit_note") == "Credit note");
    const std::string pdf = render_document_pdf(doc, words);
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    CHECK(render_document_pdf(doc, words) == pdf);
    doc.locale = "de";
    CHECK(texts::document_texts(builtin, doc).get("refund") == "Erstattung");
  }
}
