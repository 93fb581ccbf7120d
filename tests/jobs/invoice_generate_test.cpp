// build_invoice_document: what the invoice says, from the order, the
// invoice record and the config.
#include <doctest/doctest.h>

#include <algorithm>

#include "jobs/invoice_files.h"

using namespace shopd;

namespace {

Order paid_order() {
  Order o;
  o.id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  o.total_cents = 5900;
  o.currency = "EUR";
  o.customer = {"zoe@example.com", "Zo\xC3\xAB \xC3\x86r\xC3\xB8sk\xC3\xB8" "bing"};
  o.shipping = {"Torvegade 7", "", "\xC3\x86r\xC3\xB8sk\xC3\xB8" "bing", "5970", "DK"};
  o.created_at = "2026-11-27T23:59:59.500Z";
  o.items = {{"MUG-01", "Coffee mug", 2, 1200}, {"TEE-BLK-M", "T-shirt, black, M", 1, 3500}};
  return o;
}

store::InvoiceRecord invoice_record() {
  store::InvoiceRecord r;
  r.order_id = paid_order().id;
  r.seq = 7;
  r.number = "INV-000007";
  r.total_cents = 5900;
  r.tax_cents = 942;
  r.currency = "EUR";
  r.issued_at = "2026-11-28T00:00:01.000Z";
  return r;
}

Config shop_config() {
  Config c;
  c.shop.name = "Demo Shop";
  c.shop.address = "Demo Shop GmbH\nMusterstrasse 1\n10115 Berlin\nGermany";
  c.invoice.seller_tax_id = "DE123456789";
  c.tax.single_rate_bp = 1900;  // invoice.tax_rate_percent = 19
  return c;
}

}  // namespace

TEST_SUITE("invoice_generate") {
  TEST_CASE("the buyer's name is printed once, above the address, not in it") {
    const TaxDocument doc = build_invoice_document(paid_order(), invoice_record(), shop_config());
    CHECK(doc.buyer_name == paid_order().customer.name);
    CHECK(std::find(doc.buyer_address.begin(), doc.buyer_address.end(), doc.buyer_name) == doc.buyer_address.end());
  }

  TEST_CASE("the address ends with the country's full name") {
    const TaxDocument doc = build_invoice_document(paid_order(), invoice_record(), shop_config());
    CHECK(doc.buyer_address ==
          std::vector<std::string>{"Torvegade 7", "5970 \xC3\x86r\xC3\xB8sk\xC3\xB8" "bing", "Denmark"});
  }

  TEST_CASE("a second address line is kept and an unknown country code is printed as it is") {
    Order o = paid_order();
    o.shipping = {"Rruga UCK 1", "Apt 4", "Prishtina", "", "XK"};
    CHECK(buyer_address_lines(o.shipping) == std::vector<std::string>{"Rruga UCK 1", "Apt 4", "Prishtina", "XK"});
  }

  TEST_CASE("the seller, its tax id, both dates and the VAT come from the config, the order and the record") {
    const TaxDocument doc = build_invoice_document(paid_order(), invoice_record(), shop_config());
    CHECK(doc.seller_name == "Demo Shop");
    CHECK(doc.seller_address == shop_config().shop.address);
    CHECK(doc.seller_tax_id == "DE123456789");
    CHECK(doc.number == "INV-000007");
    CHECK(doc.issued_date == "2026-11-28");
    CHECK(doc.order_date == "2026-11-27");
    CHECK(doc.regime == tax::TaxRegime::SingleRate);
    CHECK(doc.totals().vat_cents == 942);  // an order from before [tax]: the config's one rate
    CHECK(doc.totals().gross_cents == 5900);
  }

  TEST_CASE("each item becomes a line with its quantity, unit price and amount") {
    const TaxDocument doc = build_invoice_document(paid_order(), invoice_record(), shop_config());
    REQUIRE(doc.lines.size() == 2);
    CHECK(doc.lines[0].description == "Coffee mug");
    CHECK(doc.lines[0].sku == "MUG-01");
    CHECK(doc.lines[0].amounts.qty == 2);
    CHECK(doc.lines[0].amounts.unit_cents == 1200);
    CHECK(doc.lines[0].amounts.amount_cents() == 2400);
    CHECK(doc.lines[1].amounts.amount_cents() == 3500);
  }

  TEST_CASE("an order taken with [tax] keeps its own rates, shipping line, buyer VAT id and language") {
    Order o = paid_order();
    o.tax_regime = tax::TaxRegime::ReverseCharge;
    o.amounts_include_vat = false;
    o.locale = "de";
    o.customer.vat_id = "DK12345678";
    o.items = {{"MUG-01", "Coffee mug", 2, 1008, tax::VatCategory::Standard, 0}};
    o.shipping_cents = 412;
    o.paid_at = "2026-11-28T00:00:00.500Z";
    Config c = shop_config();
    c.invoice.legal_lines = {"Demo Shop GmbH, HRB 1"};
    const TaxDocument doc = build_invoice_document(o, invoice_record(), c);
    CHECK(doc.locale == "de");
    CHECK(doc.buyer_vat_id == "DK12345678");
    CHECK(doc.buyer_address.back() == "D\xC3\xA4nemark");  // the country in the document's language
    CHECK(doc.regime == tax::TaxRegime::ReverseCharge);
    CHECK(doc.destination_country == "DK");
    CHECK(doc.paid_date == "2026-11-28");
    CHECK(doc.legal_lines == c.invoice.legal_lines);
    REQUIRE(doc.lines.size() == 2);
    CHECK(doc.lines[1].shipping);
    CHECK(doc.lines[1].amounts.unit_cents == 412);
    CHECK(doc.totals().vat_cents == 0);
    CHECK(doc.totals().gross_cents == 2428);
  }

  TEST_CASE("the invoice record's VAT is the document's") {
    const store::NewInvoice n = new_invoice(paid_order(), shop_config());
    CHECK(n.tax_cents == 942);
    CHECK(n.total_cents == 5900);
  }
}
