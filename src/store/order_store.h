// Orders, their items and their stock reservation.
//
// create_order is the intake transaction's core: in the caller's Tx it prices
// the lines from the catalog, inserts the order and items, reserves stock and
// enqueues the first job. The stock_state transitions are guarded updates, so
// each runs at most once per order however often a job is retried.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/order.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct CreateOrder {
  std::string currency;
  int payment_max_attempts = 1;
  std::string request_id;
  TimePoint now;
};

struct CreatedOrder {
  std::string id;
  int64_t total_cents = 0;
  std::string created_at;
};

// Errors: 400 unknown_sku, 409 out_of_stock (field "items[i]"); on error the
// Tx is marked for rollback, so nothing is stored or reserved.
std::variant<CreatedOrder, FieldError> create_order(Tx& tx, const NewOrder& order, const CreateOrder& options);

std::optional<Order> load_order(Connection& db, const std::string& order_id);

void set_order_status(Tx& tx, const std::string& order_id, OrderStatus status, TimePoint now);
// The payment succeeded: records the provider's reference and paid_at.
void mark_paid(Tx& tx, const std::string& order_id, const std::string& payment_ref, TimePoint now);
// The provider's reference of a payment that did not succeed (so the owner
// can look the attempt up in the provider's dashboard).
void set_payment_ref(Tx& tx, const std::string& order_id, const std::string& payment_ref, TimePoint now);

// reserved -> sold, with 'sale' ledger rows. False if not reserved (already done).
bool commit_stock(Tx& tx, const std::string& order_id, TimePoint now);
// reserved -> released: stock goes back, with 'release' ledger rows. False if not reserved.
bool release_stock(Tx& tx, const std::string& order_id, TimePoint now);
// released -> reserved again (an owner retries a dead payment). An error
// (409 out_of_stock) means the stock is gone; nothing changes then.
std::optional<FieldError> rereserve_stock(Tx& tx, const std::string& order_id, TimePoint now);

struct OrderRow {
  std::string id;
  OrderStatus status = OrderStatus::Received;
  int64_t total_cents = 0;
  std::string currency;
  std::string created_at;
  std::string updated_at;
};
// Newest first, starting after the cursor id (UUIDv7 order is creation order).
std::vector<OrderRow> list_orders(Connection& db, int limit, const std::optional<std::string>& after_id);
std::map<OrderStatus, int64_t> count_orders_by_status(Connection& db);

}  // namespace shopd::store
