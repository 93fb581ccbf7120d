#include <doctest/doctest.h>

#include "documents/invoice_pdf.h"

using namespace shopd;

namespace {

const std::string kZoe = "Zo\xC3\xAB \xC3\x86r\xC3\xB8sk\xC3\xB8" "bing-\xC3\x91\xC3\xBA\xC3\xB1" "ez";  // Zoë Ærøskøbing-Ñúñez

InvoiceDocument sample_invoice(int lines = 2) {
  InvoiceDocument doc;
  doc.number = "INV-000001";
  doc.issued_date = "2026-11-28";
  doc.order_id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  doc.shop_name = "Demo Shop";
  doc.shop_address = "Hauptstra\xC3\x9F" "e 1\n10115 Berlin\nGermany";
  doc.shop_vat_id = "DE123456789";
  doc.customer_name = kZoe;
  doc.bill_to = {"Torvegade 7", "5970 \xC3\x86r\xC3\xB8sk\xC3\xB8" "bing", "DK"};
  doc.currency = "EUR";
  for (int i = 0; i < lines; ++i) {
    InvoiceLine line{"Coffee mug \xE2\x80\x9C" "Caf\xC3\xA9\xE2\x80\x9D #" + std::to_string(i), "MUG-01", 2, 1200, 2400};
    doc.lines.push_back(line);
    doc.total_cents += line.total_cents;
  }
  doc.tax_rate_percent = 19;
  doc.tax_cents = included_tax_cents(doc.total_cents, doc.tax_rate_percent);
  return doc;
}

// The /Count of the document's single page tree.
int page_count(const std::string& pdf) {
  const size_t at = pdf.find("/Count ");
  return at == std::string::npos ? 0 : std::stoi(pdf.substr(at + 7, 6));
}

}  // namespace

TEST_SUITE("invoice_pdf") {
  TEST_CASE("the document is a PDF") {
    const std::string pdf = render_invoice_pdf(sample_invoice());
    CHECK(pdf.starts_with("%PDF-"));
    CHECK(pdf.find("%%EOF") != std::string::npos);
    CHECK(pdf.size() > 1000);
  }

  TEST_CASE("non-ASCII names render without throwing") {
    InvoiceDocument doc = sample_invoice();
    doc.shop_name = kZoe + " \xE2\x82\xAC Shop \xF0\x9F\x98\x80";  // euro sign fits CP1252, the emoji does not
    CHECK_NOTHROW(render_invoice_pdf(doc));
  }

  TEST_CASE("the same invoice renders byte-identically") {
    CHECK(render_invoice_pdf(sample_invoice()) == render_invoice_pdf(sample_invoice()));
  }

  TEST_CASE("many lines spill onto further pages") {
    const std::string one = render_invoice_pdf(sample_invoice(1));
    const std::string many = render_invoice_pdf(sample_invoice(100));
    CHECK(many.starts_with("%PDF-"));
    CHECK(page_count(one) == 1);
    CHECK(page_count(many) >= 4);
  }

  TEST_CASE("an invoice without tax and with empty fields still renders") {
    InvoiceDocument doc;
    doc.number = "INV-000002";
    doc.currency = "EUR";
    CHECK(render_invoice_pdf(doc).starts_with("%PDF-"));
  }

  TEST_CASE("utf8_to_cp1252 maps Latin-1 and CP1252 extras and replaces the rest") {
    CHECK(utf8_to_cp1252(kZoe) == "Zo\xEB \xC6r\xF8sk\xF8" "bing-\xD1\xFA\xF1" "ez");
    CHECK(utf8_to_cp1252("\xE2\x82\xAC 5 \xE2\x80\x93 \xE2\x80\x9Cok\xE2\x80\x9D") == "\x80 5 \x96 \x93ok\x94");
    CHECK(utf8_to_cp1252("\xC5\x92\xC5\xA0\xC5\xBD") == "\x8C\x8A\x8E");
    CHECK(utf8_to_cp1252("\xE4\xB8\xAD\xF0\x9F\x98\x80") == "??");  // CJK and emoji
    CHECK(utf8_to_cp1252("a\xC3") == "a?");                          // truncated sequence
    CHECK(utf8_to_cp1252("\xC0\xAF") == "??");                       // overlong encoding
    CHECK(utf8_to_cp1252("\xED\xA0\x80") == "???");                  // surrogate
    CHECK(utf8_to_cp1252("tab\there\x01") == "tab here?");
  }
}

TEST_SUITE("included_tax_cents") {
  TEST_CASE("19 percent contained in 119.00 is 19.00") { CHECK(included_tax_cents(11900, 19) == 1900); }

  TEST_CASE("the tax is rounded half up to the cent") {
    CHECK(included_tax_cents(2400, 19) == 383);   // 383.19...
    CHECK(included_tax_cents(1000, 7) == 65);     // 65.42...
    CHECK(included_tax_cents(105, 5) == 5);       // exactly 5.00
    CHECK(included_tax_cents(21, 5) == 1);        // exactly 1.00
    CHECK(included_tax_cents(63, 5) == 3);        // exactly 3.00
    CHECK(included_tax_cents(1, 25) == 0);        // 0.2
    CHECK(included_tax_cents(5, 25) == 1);        // exactly 1.0
    CHECK(included_tax_cents(25, 25) == 5);       // exactly 5
    CHECK(included_tax_cents(1250, 25) == 250);   // exactly 250
    CHECK(included_tax_cents(18, 20) == 3);       // exactly 3.0
    CHECK(included_tax_cents(15, 20) == 3);       // 2.5 -> 3, half up
    CHECK(included_tax_cents(33, 10) == 3);       // 3.0
    CHECK(included_tax_cents(77, 10) == 7);       // 7.0
    CHECK(included_tax_cents(88, 10) == 8);       // 8.0
  }

  TEST_CASE("a fractional rate counts to the hundredth of a percent") {
    CHECK(included_tax_cents(10770, 7.7) == 770);
    CHECK(included_tax_cents(10255, 2.55) == 255);
  }

  TEST_CASE("no rate means no tax") {
    CHECK(included_tax_cents(2400, 0) == 0);
    CHECK(included_tax_cents(2400, -5) == 0);
  }
}
