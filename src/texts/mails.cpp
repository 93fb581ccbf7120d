#include "texts/mails.h"

#include "core/money.h"
#include "documents/tax_document.h"
#include "tax/vat.h"

namespace shopd::texts {

MailText render_mail(const TemplateSet& set, const std::string& kind, const std::string& locale,
                     const nlohmann::json& data) {
  const std::string text_name = kind + "." + locale + ".txt";
  std::string text = set.render(text_name, data);
  constexpr std::string_view kSubject = "Subject: ";
  if (!text.starts_with(kSubject))
    throw TemplateError(text_name + ":1: must begin with a line \"Subject: ...\", then a blank line");
  MailText mail;
  size_t end = text.find('\n');
  if (end == std::string::npos) end = text.size();
  mail.subject = text.substr(kSubject.size(), end - kSubject.size());
  if (!mail.subject.empty() && mail.subject.back() == '\r') mail.subject.pop_back();
  size_t body = end + 1;
  if (body < text.size() && text[body] == '\r') ++body;
  if (body < text.size() && text[body] == '\n') ++body;  // the blank line after the subject
  mail.text = body < text.size() ? text.substr(body) : "";
  mail.html = set.render(kind + "." + locale + ".html", data);
  return mail;
}

std::string order_locale(const Order& order, const Config& config) {
  return order.locale.empty() ? config.shop.locale : order.locale;
}

nlohmann::json order_mail_data(const Order& order, const Config& config) {
  const auto money = [&](int64_t cents) { return format_money(cents, order.currency); };
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : order.items)
    items.push_back({{"qty", std::to_string(item.qty)},
                     {"name", item.name},
                     {"sku", item.sku},
                     {"unit_price", money(item.price_cents)},
                     {"amount", money(item.price_cents * item.qty)}});
  nlohmann::json shipping = "";
  if (order.shipping_cents != 0) shipping = {{"amount", money(order.shipping_cents)}};
  // VAT per rate, as the invoice sums it; none for a shop without [tax].
  nlohmann::json vat = nlohmann::json::array();
  TaxDocument doc;
  doc.lines = order_lines(order, config.tax.single_rate_bp);
  doc.amounts_include_vat = order.amounts_include_vat;
  doc.regime = order.tax_regime.value_or(tax::TaxRegime::SingleRate);
  if (doc.itemized_vat())
    for (const auto& r : doc.totals().by_rate)
      vat.push_back({{"rate", tax::format_rate(r.rate_bp)}, {"amount", money(r.vat_cents)}});
  const tax::TaxRegime regime = doc.regime;
  return {
      {"shop_name", config.shop.name},
      {"customer_name", order.customer.name},
      {"order_id", order.id},
      {"status_url", config.shop.public_url + "/orders/" + order.id},
      {"items", items},
      {"shipping", shipping},
      {"vat", vat},
      {"prices_include_vat", order.amounts_include_vat},
      {"reverse_charge", regime == tax::TaxRegime::ReverseCharge},
      {"export", regime == tax::TaxRegime::Export},
      {"total", money(order.total_cents)},
  };
}

nlohmann::json confirmation_data(const Order& order, const Config& config, const std::string& invoice_number) {
  nlohmann::json data = order_mail_data(order, config);
  data["invoice_number"] = invoice_number;
  return data;
}

nlohmann::json payment_failed_data(const Order& order, const Config& config,
                                   const std::optional<std::string>& card_message) {
  nlohmann::json data = order_mail_data(order, config);
  data["card_declined"] = card_message.has_value();
  data["card_message"] = card_message.value_or("");
  return data;
}

nlohmann::json cancelled_data(const Order& order, const Config& config, CancelledMoney money) {
  nlohmann::json data = order_mail_data(order, config);
  data["refund_follows"] = money == CancelledMoney::RefundFollows;
  data["payment_under_way"] = money == CancelledMoney::PaymentUnderWay;
  data["nothing_charged"] = money == CancelledMoney::NothingCharged;
  return data;
}

nlohmann::json refunded_data(const Order& order, const Config& config, int64_t refund_cents,
                             const std::string& credit_note_number, const std::string& invoice_number,
                             const std::vector<RefundedItem>& items) {
  nlohmann::json data = order_mail_data(order, config);
  data["refund_amount"] = format_money(refund_cents, order.currency);
  data["credit_note_number"] = credit_note_number;
  data["invoice_number"] = invoice_number;
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& item : items) lines.push_back({{"qty", std::to_string(item.qty)}, {"name", item.name}, {"sku", item.sku}});
  data["refunded_items"] = lines;
  data["any_refunded_items"] = !items.empty();
  return data;
}

nlohmann::json shipped_data(const Order& order, const Config& config, const std::string& carrier,
                            const std::string& tracking_number, const std::string& tracking_url) {
  nlohmann::json data = order_mail_data(order, config);
  data["carrier"] = carrier;
  data["tracking_number"] = tracking_number;
  data["tracking_url"] = tracking_url;
  return data;
}

Order sample_order() {
  Order o;
  o.id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  o.currency = "EUR";
  o.customer = Customer{"ann@example.com", "Ann Example", "FR40303265045"};
  o.shipping = Address{"1 rue de la Paix", "", "Paris", "75002", "FR"};
  o.items = {OrderItem{"MUG-01", "Coffee mug", 2, 1200, tax::VatCategory::Standard, 2000},
             OrderItem{"BOOK-01", "Cook book", 1, 1070, tax::VatCategory::Reduced, 550}};
  o.tax_regime = tax::TaxRegime::Oss;
  o.tax_country = "FR";
  o.shipping_cents = 490;
  o.shipping_vat_rate_bp = 2000;
  o.total_cents = 2 * 1200 + 1070 + 490;
  o.created_at = "2026-11-27T10:00:00.000Z";
  o.paid_at = "2026-11-27T10:00:01.000Z";
  return o;
}

Config sample_config() {
  Config c;
  c.shop.name = "Demo Shop";
  c.shop.currency = "EUR";
  return c;
}

}  // namespace shopd::texts
