// Customer emails from the built-in templates: a shop that configures
// nothing new gets the words it always got; other languages and [tax] add
// what they must.
#include <doctest/doctest.h>

#include "texts/document_texts.h"
#include "texts/mails.h"

using namespace shopd;
using namespace shopd::texts;

namespace {

Order legacy_order() {
  Order o;
  o.id = "01a252ee-03c0-71a1-9dd8-95c20d30aec8";
  o.currency = "EUR";
  o.customer = Customer{"ann@example.com", "Ann Example"};
  o.items = {OrderItem{"MUG-01", "Coffee mug", 3, 1200}};
  o.total_cents = 3600;
  return o;
}

Config legacy_config() {
  Config c;
  c.shop.name = "Test Shop";
  c.shop.public_url = "http://shop.test";
  return c;
}

// What shopd wrote before templates (tests/e2e/golden/mail_confirmation_legacy.txt).
constexpr const char* kLegacyConfirmation =
    "Hello Ann Example,\n\nthank you for your order at Test Shop. Your payment was received.\n\n"
    "Order: 01a252ee-03c0-71a1-9dd8-95c20d30aec8\n  3 x Coffee mug (MUG-01)  36.00 EUR\n  Total: 36.00 EUR\n\n"
    "Invoice INV-000001 is attached.\nOrder status: http://shop.test/orders/01a252ee-03c0-71a1-9dd8-95c20d30aec8\n\n"
    "Test Shop\n";

constexpr const char* kLegacyConfirmationHtml =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Order confirmed</title></head><body "
    "style=\"font-family:sans-serif\"><p>Hello Ann Example,</p><p>thank you for your order at Test Shop. Your payment "
    "was received.</p><p>Order <code>01a252ee-03c0-71a1-9dd8-95c20d30aec8</code></p><table cellpadding=\"4\" "
    "style=\"border-collapse:collapse\"><tr><td>3 &times;</td><td>Coffee mug <small>(MUG-01)</small></td><td "
    "align=\"right\">36.00 EUR</td></tr><tr><td></td><td><b>Total</b></td><td align=\"right\"><b>36.00 "
    "EUR</b></td></tr></table><p>Invoice <b>INV-000001</b> is attached.</p><p><a "
    "href=\"http://shop.test/orders/01a252ee-03c0-71a1-9dd8-95c20d30aec8\">See your order's status</a></p><p>Test "
    "Shop</p></body></html>";

std::string without_newlines(std::string s) {
  std::erase(s, '\n');
  return s;
}

}  // namespace

TEST_SUITE("mails") {
  TEST_CASE("a shop without [tax] gets the confirmation it always got, word for word") {
    const MailText mail =
        render_mail(TemplateSet(), "confirmation", "en", confirmation_data(legacy_order(), legacy_config(), "INV-000001"));
    CHECK(mail.subject == "Order confirmed - Test Shop invoice INV-000001");
    CHECK(mail.text == kLegacyConfirmation);
    CHECK(without_newlines(mail.html) == kLegacyConfirmationHtml);
  }

  TEST_CASE("the payment-failed mail quotes the card's decline only when the provider spoke of it") {
    const TemplateSet set;
    const MailText declined = render_mail(set, "payment_failed", "en",
                                          payment_failed_data(legacy_order(), legacy_config(), "Your card was declined."));
    CHECK(declined.subject == "Payment failed - your order at Test Shop");
    CHECK(declined.text.find("What happened: Your card was declined. Nothing was charged, and the items were put "
                             "back on sale.\n\nWhat you can do: place the order again with another card, or contact "
                             "us by replying to this email.\n\nOrder: ") != std::string::npos);
    const MailText ours = render_mail(set, "payment_failed", "en",
                                      payment_failed_data(legacy_order(), legacy_config(), std::nullopt));
    CHECK(ours.text.find("a problem on our side, not with your card") != std::string::npos);
    CHECK(ours.text.find("declined") == std::string::npos);
  }

  TEST_CASE("a German order gets a German mail with shipping and the VAT it contains") {
    Order o = legacy_order();
    o.locale = "de";
    o.tax_regime = tax::TaxRegime::Domestic;
    o.items = {OrderItem{"BOOK-1", "Kochbuch", 1, 1070, tax::VatCategory::Reduced, 700}};
    o.shipping_cents = 490;
    o.shipping_vat_rate_bp = 1900;
    o.total_cents = 1560;
    const MailText mail = render_mail(TemplateSet(), "confirmation", order_locale(o, legacy_config()),
                                      confirmation_data(o, legacy_config(), "INV-000002"));
    CHECK(mail.subject == "Bestellung best\xC3\xA4tigt - Test Shop Rechnung INV-000002");
    CHECK(mail.text.find("Hallo Ann Example,") == 0);
    CHECK(mail.text.find("  Versand  4.90 EUR\n  Gesamt: 15.60 EUR\n  enthaltene USt. 7 %: 0.70 EUR\n"
                         "  enthaltene USt. 19 %: 0.78 EUR\n") != std::string::npos);
    CHECK(mail.html.find("<html lang=\"de\">") != std::string::npos);
  }

  TEST_CASE("an order without a locale is in the shop's language") {
    Config c = legacy_config();
    c.shop.locale = "fr";
    Order o = legacy_order();
    o.locale = "";
    CHECK(order_locale(o, c) == "fr");
    o.locale = "de";
    CHECK(order_locale(o, c) == "de");
  }
}

TEST_SUITE("document_texts") {
  TEST_CASE("the labels and sentences of a document come from its language's template") {
    TaxDocument doc = sample_document();
    doc.locale = "fr";
    const DocumentTexts t = document_texts(TemplateSet(), doc);
    CHECK(t.get("invoice") == "Facture");
    CHECK(t.get("total") == "Total TTC");
    CHECK(t.all("vat_of").size() == 2);  // one per rate
    CHECK(t.all("vat_of")[0] == "TVA 7 % sur 10.00 EUR");
    REQUIRE(t.all("note").size() == 1);
    CHECK(t.all("note")[0].find("guichet unique") != std::string::npos);
    CHECK(t.all("note")[0].find("(France)") != std::string::npos);
    CHECK(t.get("payment") == "Pay\xC3\xA9 par carte le 27/11/2026 (mode test : rien n'a \xC3\xA9t\xC3\xA9 d\xC3\xA9" "bit\xC3\xA9).");
    CHECK(t.all("reference").empty());  // an invoice corrects nothing
  }

  TEST_CASE("a credit note names the invoice it corrects, in the document's date format") {
    TaxDocument doc = sample_document();
    doc.kind = DocumentKind::CreditNote;
    doc.locale = "de";
    const DocumentTexts t = document_texts(TemplateSet(), doc);
    CHECK(t.get("credit_note") == "Rechnungskorrektur");
    CHECK(t.get("reference") == "Korrigiert Rechnung INV-000041 vom 20.11.2026");
  }

  TEST_CASE("a text that is missing falls back to its key, so nothing vanishes silently") {
    DocumentTexts t;
    CHECK(t.get("total") == "total");
    CHECK(t.all("note").empty());
  }

  TEST_CASE("key = text lines are parsed; comments and blank lines are skipped") {
    const auto parsed = parse_document_texts("# comment\n\ntotal = Total \nnote = a\nnote = b\nbroken\n");
    CHECK(parsed.texts.get("total") == "Total");
    CHECK(parsed.texts.all("note") == std::vector<std::string>{"a", "b"});
    CHECK(parsed.bad_lines == std::vector<int>{6});
  }
}
