// An order as the storefront sends it, after validation (see
// http/validate_order.h), and as the store reads it back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/states.h"
#include "tax/vat.h"

namespace shopd {

struct OrderLine {
  std::string sku;
  int qty = 0;
};

struct Customer {
  std::string email;
  std::string name;
  std::string vat_id{};  // a business buyer's EU VAT id, normalized ("DE123456789"); empty: none
};

struct Address {
  std::string line1;
  std::string line2;
  std::string city;
  std::string postal_code;
  std::string country;  // ISO 3166-1 alpha-2, upper case
};

// A validated POST /orders body. Prices are not here: they come from the catalog.
struct NewOrder {
  Customer customer;
  std::vector<OrderLine> items;
  std::string payment_method;  // Stripe PaymentMethod id, "pm_..."
  Address shipping;
  std::string locale{};        // "en", "de", "fr"; empty: the shop's (shop.locale)
};

struct OrderItem {
  std::string sku;
  std::string name;
  int qty = 0;
  // The unit price as charged and invoiced, on the order's footing
  // (Order::amounts_include_vat): the catalogue's price at order time, or its
  // net when a 0 % regime took the seller's VAT out of a gross price.
  int64_t price_cents = 0;
  tax::VatCategory vat_category = tax::VatCategory::Standard;
  int vat_rate_bp = 0;  // the rate applied at intake (19 % = 1900)
};

// A stored order with everything a job or a page needs.
struct Order {
  std::string id;
  OrderStatus status = OrderStatus::Received;
  StockState stock_state = StockState::Reserved;
  int64_t total_cents = 0;
  std::string currency;
  Customer customer;
  Address shipping;
  std::string payment_method;
  std::string payment_ref;
  std::string paid_at;  // empty until the payment succeeded
  std::string cancelled_at;  // empty unless an owner cancelled it
  std::string cancel_reason;
  std::string created_at;
  std::string updated_at;
  std::vector<OrderItem> items;

  // Tax and language, fixed at intake (SPEC section 12).
  std::string locale = "en";
  // Nullopt for an order taken before shopd stored its VAT (schema 4): its
  // invoice uses invoice.tax_rate_percent, as it always did.
  std::optional<tax::TaxRegime> tax_regime{};
  std::string tax_country{};      // whose rates applied; empty for single_rate
  bool amounts_include_vat = true;
  int64_t shipping_cents = 0;     // the shipping line's price on the order's footing; 0: no line
  tax::VatCategory shipping_vat_category = tax::VatCategory::Standard;
  int shipping_vat_rate_bp = 0;
};

}  // namespace shopd
