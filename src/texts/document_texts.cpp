#include "texts/document_texts.h"

#include "core/country.h"
#include "core/money.h"
#include "tax/vat.h"

namespace shopd::texts {

namespace {

// Values go into "key = value" lines: a line break in one (a shop name
// written with "\n") must not start a line of its own.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text;
}

const TemplateSet& builtin_set() {
  static const TemplateSet set;
  return set;
}

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

nlohmann::json document_data(const TaxDocument& doc) {
  const auto money = [&](int64_t cents) { return format_money(cents, doc.currency); };
  const auto date = [&](const std::string& iso) { return display_date(iso, doc.locale); };
  nlohmann::json rates = nlohmann::json::array();
  const tax::Totals totals = doc.totals();
  for (const auto& r : totals.by_rate)
    rates.push_back({{"rate", tax::format_rate(r.rate_bp)},
                     {"net", money(r.net_cents)},
                     {"vat", money(r.vat_cents)},
                     {"gross", money(r.gross_cents)}});
  const std::string destination(country_name(doc.destination_country, doc.locale));
  nlohmann::json data = {
      {"seller_name", one_line(doc.seller_name)},
      {"seller_vat_id", doc.seller_tax_id},
      {"buyer_name", one_line(doc.buyer_name)},
      {"buyer_vat_id", doc.buyer_vat_id},
      {"number", doc.number},
      {"issued_date", date(doc.issued_date)},
      {"order_id", doc.order_id},
      {"invoice", doc.kind == DocumentKind::Invoice},
      {"credit_note", doc.kind == DocumentKind::CreditNote},
      {"destination_country", destination.empty() ? doc.destination_country : destination},
      {"rates", rates},
      {"total", money(totals.gross_cents)},
      {"corrects_number", doc.corrects ? doc.corrects->number : ""},
      {"corrects_date", doc.corrects ? date(doc.corrects->date) : ""},
      {"paid", !doc.paid_date.empty()},
      {"paid_date", date(doc.paid_date)},
      {"test_mode", doc.test_mode},
  };
  for (tax::TaxRegime regime : {tax::TaxRegime::SingleRate, tax::TaxRegime::Domestic, tax::TaxRegime::DistanceSale,
                                tax::TaxRegime::Oss, tax::TaxRegime::ReverseCharge, tax::TaxRegime::Export})
    data[std::string(tax::to_string(regime))] = doc.regime == regime;
  return data;
}

ParsedTexts parse_document_texts(const std::string& rendered) {
  ParsedTexts out;
  size_t start = 0;
  int number = 0;
  while (start < rendered.size()) {
    size_t end = rendered.find('\n', start);
    if (end == std::string::npos) end = rendered.size();
    const std::string line = trim(rendered.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) {
      out.bad_lines.push_back(number);
      continue;
    }
    out.texts.values[trim(line.substr(0, eq))].push_back(trim(line.substr(eq + 3)));
  }
  return out;
}

DocumentTexts document_texts(const TemplateSet& set, const TaxDocument& doc) {
  const std::string name = "document." + doc.locale + ".txt";
  const nlohmann::json data = document_data(doc);
  DocumentTexts texts = parse_document_texts(set.render(name, data)).texts;
  if (&set != &builtin_set() && set.sources().at(name).origin != "built-in") {
    for (auto& [key, values] : parse_document_texts(builtin_set().render(name, data)).texts.values)
      texts.values.emplace(key, std::move(values));  // only where the owner's file has no such key
  }
  return texts;
}

TaxDocument sample_document() {
  TaxDocument doc;
  doc.number = "INV-000042";
  doc.issued_date = "2026-11-28";
  doc.order_date = "2026-11-27";
  doc.order_id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  doc.seller_name = "Demo Shop";
  doc.seller_address = "Demo Shop GmbH\nMusterstrasse 1\n10115 Berlin";
  doc.seller_tax_id = "DE123456789";
  doc.legal_lines = {"Demo Shop GmbH, Amtsgericht Berlin HRB 12345"};
  doc.buyer_name = "Ann Example";
  doc.buyer_address = {"1 rue de la Paix", "75002 Paris", "France"};
  doc.buyer_vat_id = "FR40303265045";
  doc.currency = "EUR";
  doc.lines = {{"Coffee mug", "MUG-01", false, {2, 1200, 1900}},
               {"Cook book", "BOOK-01", false, {1, 1070, 700}},
               {"", "", true, {1, 490, 1900}}};
  doc.regime = tax::TaxRegime::Oss;
  doc.destination_country = "FR";
  doc.corrects = DocumentReference{"INV-000041", "2026-11-20"};
  doc.paid_date = "2026-11-27";
  doc.test_mode = true;
  return doc;
}

}  // namespace shopd::texts
