#include "documents/tax_document.h"

#include <algorithm>
#include <numeric>

namespace shopd {

tax::Totals TaxDocument::totals() const {
  std::vector<tax::TaxedLine> amounts;
  amounts.reserve(lines.size());
  for (const auto& line : lines) amounts.push_back(line.amounts);
  return tax::summarize(amounts, amounts_include_vat);
}

bool TaxDocument::itemized_vat() const {
  if (regime != tax::TaxRegime::SingleRate) return true;
  return std::any_of(lines.begin(), lines.end(),
                     [&](const DocumentLine& l) { return l.amounts.rate_bp != lines.front().amounts.rate_bp; });
}

std::string DocumentTexts::get(const std::string& key) const {
  const auto it = values.find(key);
  return it == values.end() || it->second.empty() ? key : it->second.front();
}

const std::vector<std::string>& DocumentTexts::all(const std::string& key) const {
  static const std::vector<std::string> kNone;
  const auto it = values.find(key);
  return it == values.end() ? kNone : it->second;
}

std::vector<DocumentLine> order_lines(const Order& order, int legacy_rate_bp) {
  std::vector<DocumentLine> lines;
  const bool legacy = !order.tax_regime;
  for (const auto& item : order.items) {
    const int rate = !legacy ? item.vat_rate_bp : item.vat_category == tax::VatCategory::Zero ? 0 : legacy_rate_bp;
    lines.push_back(DocumentLine{item.name, item.sku, false, tax::TaxedLine{item.qty, item.price_cents, rate}});
  }
  if (order.shipping_cents != 0)
    lines.push_back(DocumentLine{"", "", true, tax::TaxedLine{1, order.shipping_cents, order.shipping_vat_rate_bp}});
  return lines;
}

std::string display_date(const std::string& iso_date, const std::string& locale) {
  const bool is_date = iso_date.size() == 10 && iso_date[4] == '-' && iso_date[7] == '-';
  if (!is_date || (locale != "de" && locale != "fr")) return iso_date;
  const std::string day = iso_date.substr(8, 2), month = iso_date.substr(5, 2), year = iso_date.substr(0, 4);
  return locale == "de" ? day + "." + month + "." + year : day + "/" + month + "/" + year;
}

std::vector<DocumentLine> credit_lines_for_items(const std::vector<DocumentLine>& refunded) {
  std::vector<DocumentLine> out = refunded;
  for (auto& line : out) line.amounts.unit_cents = -line.amounts.unit_cents;
  return out;
}

std::vector<DocumentLine> credit_lines_for_amount(const tax::Totals& invoice, int64_t amount_cents,
                                                  const std::string& description) {
  std::vector<DocumentLine> out;
  if (invoice.gross_cents <= 0 || amount_cents <= 0) return out;
  // Largest remainder: each rate gets floor(amount * gross_r / total), the
  // cents left over go to the rates with the largest remainders.
  struct Part {
    int rate_bp;
    int64_t cents;
    __int128 remainder;
  };
  std::vector<Part> parts;
  int64_t given = 0;
  for (const auto& r : invoice.by_rate) {
    if (r.gross_cents <= 0) continue;
    const __int128 scaled = static_cast<__int128>(amount_cents) * r.gross_cents;
    parts.push_back({r.rate_bp, static_cast<int64_t>(scaled / invoice.gross_cents), scaled % invoice.gross_cents});
    given += parts.back().cents;
  }
  std::vector<size_t> order(parts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return parts[a].remainder > parts[b].remainder; });
  for (size_t i = 0; given < amount_cents && !order.empty(); i = (i + 1) % order.size(), ++given)
    ++parts[order[i]].cents;
  for (const auto& part : parts)
    if (part.cents != 0) out.push_back(DocumentLine{description, "", false, tax::TaxedLine{1, -part.cents, part.rate_bp}});
  return out;
}

}  // namespace shopd
