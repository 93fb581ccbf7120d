// Customer emails from templates: `<kind>.<locale>.txt` (a "Subject: ..."
// line, a blank line, the plain-text body) and `<kind>.<locale>.html` (the
// HTML alternative, every value HTML-escaped). What each kind is rendered
// with: docs/templates.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/order.h"
#include "texts/template_set.h"

namespace shopd::texts {

struct MailText {
  std::string subject;
  std::string text;
  std::string html;
};

// Throws TemplateError when a template does not render or the text part
// does not begin with its Subject line.
MailText render_mail(const TemplateSet& set, const std::string& kind, const std::string& locale,
                     const nlohmann::json& data);

// What every order email is rendered with: the shop, the customer, the
// order's lines, shipping, VAT per rate and total, the status link.
nlohmann::json order_mail_data(const Order& order, const Config& config);

// email.confirmation: plus `invoice_number`.
nlohmann::json confirmation_data(const Order& order, const Config& config, const std::string& invoice_number);

// email.payment_failed: plus `card_declined` and, when the provider spoke to
// the customer about the card, `card_message` (its words, e.g. "Your card was
// declined.").
nlohmann::json payment_failed_data(const Order& order, const Config& config,
                                   const std::optional<std::string>& card_message);

// email.cancelled: plus what becomes of the money, one of `refund_follows`
// (it was paid: refunded in full, a credit note follows), `payment_under_way`
// (the payment may still go through: then it is refunded) and
// `nothing_charged`.
enum class CancelledMoney { RefundFollows, PaymentUnderWay, NothingCharged };
nlohmann::json cancelled_data(const Order& order, const Config& config, CancelledMoney money);

// email.refunded: plus `refund_amount` ("12.00 EUR"), `credit_note_number`,
// `invoice_number` (the invoice it corrects), `refunded_items` (each `qty`,
// `name`, `sku`; empty for a refund of an amount) and `any_refunded_items`.
struct RefundedItem {
  int qty = 0;
  std::string name;
  std::string sku;
};
nlohmann::json refunded_data(const Order& order, const Config& config, int64_t refund_cents,
                             const std::string& credit_note_number, const std::string& invoice_number,
                             const std::vector<RefundedItem>& items);

// email.shipped: plus `carrier`, `tracking_number` and `tracking_url` ("" when none).
nlohmann::json shipped_data(const Order& order, const Config& config, const std::string& carrier,
                            const std::string& tracking_number, const std::string& tracking_url);

// The locale an order's texts are in: its own, else the shop's.
std::string order_locale(const Order& order, const Config& config);

// An order and a config with every field set, for `shopd check`.
Order sample_order();
Config sample_config();

}  // namespace shopd::texts
