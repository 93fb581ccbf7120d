// GET /admin/ui/products: the catalog with its stock; each row is a form
// that edits the product's name, price and stock.
#include "core/money.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

namespace shopd::dashboard {

namespace {

// 1250 -> "12.50": the price as the edit field shows it (no currency).
std::string price_field(int64_t cents) {
  const std::string money = format_money(cents, "");
  return money.substr(0, money.find(' '));
}

}  // namespace

std::optional<int64_t> parse_price_cents(std::string_view text) {
  constexpr int64_t kMaxUnits = 100'000'000;  // a hundred million of the currency: far beyond any product
  int64_t units = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    units = units * 10 + (text[i] - '0');
    if (units > kMaxUnits) return std::nullopt;
  }
  if (i == 0) return std::nullopt;
  int64_t cents = 0;
  if (i < text.size()) {
    if (text[i] != '.' && text[i] != ',') return std::nullopt;
    const std::string_view decimals = text.substr(i + 1);
    if (decimals.empty() || decimals.size() > 2) return std::nullopt;
    for (char c : decimals) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    cents = (decimals[0] - '0') * 10 + (decimals.size() == 2 ? decimals[1] - '0' : 0);
  }
  return units * 100 + cents;
}

html::Html render_products(const ProductsData& d, const Viewer& v) {
  html::Html h;
  if (d.products.empty()) {
    h.raw("<p class=\"muted\">No products yet: add them under [[products]] in shop.toml or with "
          "PUT /admin/products/{sku}.</p>");
    return h;
  }
  h.raw("<p class=\"muted\">On sale: what can still be sold. Reserved: held by orders whose payment is not "
        "settled yet. Sold: paid for. Edit the name, the price (in ")
      .text(d.currency)
      .raw(") or the stock on sale and save the row.</p><div class=\"scroll\"><table id=\"products\"><thead><tr>"
           "<th>SKU</th><th class=\"num\">Reserved</th><th class=\"num\">Sold</th><th>Name, price, on sale</th>"
           "</tr></thead><tbody>");
  for (const auto& p : d.products) {
    h.open("tr", {{"data-sku", p.sku}})
        .el("td", p.sku, {{"class", "mono"}})
        .el("td", std::to_string(p.reserved), {{"class", "num"}, {"data-figure", "reserved"}})
        .el("td", std::to_string(p.sold), {{"class", "num"}, {"data-figure", "sold"}})
        .raw("<td>");
    h.open("form", {{"method", "post"}, {"action", "/admin/ui/products/" + html::url_encode(p.sku)}, {"class", "edit"}})
        .hidden("csrf", v.csrf)
        .hidden("seen_stock", std::to_string(p.on_sale));
    h.raw("<label>Name")
        .open("input", {{"name", "name"}, {"value", p.name}, {"required", "required"}, {"maxlength", "200"}})
        .raw("</label><label>Price")
        .open("input", {{"name", "price"},
                        {"value", price_field(p.price_cents)},
                        {"inputmode", "decimal"},
                        {"pattern", "[0-9]+([.,][0-9]{1,2})?"},
                        {"size", "8"}})
        .raw("</label><label>On sale")
        .open("input", {{"name", "stock"}, {"type", "number"}, {"min", "0"}, {"value", std::to_string(p.on_sale)}})
        .raw("</label><button type=\"submit\">Save</button></form></td></tr>");
  }
  h.raw("</tbody></table></div>");
  return h;
}

}  // namespace shopd::dashboard
