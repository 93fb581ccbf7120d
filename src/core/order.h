// An order as the storefront sends it, after validation (see
// http/validate_order.h), and as the store reads it back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/states.h"

namespace shopd {

struct OrderLine {
  std::string sku;
  int qty = 0;
};

struct Customer {
  std::string email;
  std::string name;
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
};

struct OrderItem {
  std::string sku;
  std::string name;
  int qty = 0;
  int64_t price_cents = 0;  // unit price from the catalog at order time
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
};

}  // namespace shopd
