// Orders, their items and their stock reservation.
//
// create_order is the intake transaction's core: in the caller's Tx it prices
// the lines from the catalog (tax/amounts.h: the lines, shipping and VAT the
// customer is charged), inserts the order and items with the rates applied,
// reserves stock and enqueues the first jobs it is given. The stock_state
// transitions are guarded updates, so
// each runs at most once per order however often a job is retried.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/order.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/outbox_store.h"
#include "store/writer.h"
#include "tax/regime.h"

namespace shopd::store {

struct CreateOrder {
  std::string currency;
  // The order's first jobs (outbox/pipeline.h first_jobs); their order_id is
  // filled in here.
  std::vector<NewJob> first_jobs;
  std::string request_id;
  TimePoint now;
  // How the order is taxed (tax::decide_tax) and what shipping it pays
  // (tax::choose_shipping; null: no shipping line). Stored with the order.
  tax::TaxDecision tax = tax::single_rate(0);
  const ShippingRate* shipping = nullptr;
  std::string locale = "en";  // the order's, else the shop's
};

struct CreatedOrder {
  std::string id;
  int64_t total_cents = 0;  // what is charged: lines, shipping and VAT (the invoice's total)
  std::string created_at;
};

// A line of an order the store cannot take: its sku is not in the catalog, or
// there is not enough of it in stock. `line` is the index of the order's
// line (items[line]).
struct LineRefused {
  enum class Reason { UnknownSku, OutOfStock };
  Reason reason = Reason::OutOfStock;
  size_t line = 0;
  std::string sku;
};

// Refused (LineRefused) when a line's sku is unknown or its stock is short;
// the Tx is then marked for rollback, so nothing is stored or reserved.
std::variant<CreatedOrder, LineRefused> create_order(Tx& tx, const NewOrder& order, const CreateOrder& options);

std::optional<Order> load_order(Connection& db, const std::string& order_id);

// Holds the order's row until the transaction ends, so that changes to the
// order that depend on what its jobs look like (its status) happen one at a
// time, also across processes sharing a PostgreSQL database: the second
// transaction waits, then reads the jobs as the first one committed them.
void lock_order(Tx& tx, const std::string& order_id);

// What an order's status is derived from besides its jobs
// (outbox/job_state.h derive_order_status), and the status it has now.
struct StatusFacts {
  OrderStatus status = OrderStatus::Received;
  bool paid = false;
  bool cancelled = false;
  int64_t total_cents = 0;
  int64_t refunded_cents = 0;  // refunds that succeeded
};
// nullopt when there is no such order.
std::optional<StatusFacts> load_status_facts(Connection& db, const std::string& order_id);

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
// Goods a refund gives back go on sale again: stock + qty per line, with
// 'restock' ledger rows. Product rows are updated in SKU order, so that two
// transactions changing the same products never wait for each other in a
// cycle (PostgreSQL).
struct RestockLine {
  std::string sku;
  int qty = 0;
};
void restock(Tx& tx, const std::string& order_id, std::vector<RestockLine> lines, TimePoint now);
// An owner cancelled the order: records when and why. False when it was
// cancelled already (nothing changes).
bool mark_cancelled(Tx& tx, const std::string& order_id, const std::string& reason, TimePoint now);
// released -> reserved again (an owner retries a dead payment). Refused
// (OutOfStock, naming the first line that is short) when the stock is gone;
// nothing changes then.
std::optional<LineRefused> rereserve_stock(Tx& tx, const std::string& order_id, TimePoint now);

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

// An order as the dashboard lists it: who, what status, how much.
struct OrderSummary {
  std::string id;
  OrderStatus status = OrderStatus::Received;
  int64_t total_cents = 0;
  std::string currency;
  std::string customer_name;
  std::string customer_email;
  std::string created_at;
  std::string dead_kinds;  // orders_needing_attention only: the dead jobs' kinds, ", "-separated
};

// The owner's order search. Every filter is optional; all given must hold.
struct OrderSearch {
  std::optional<std::string> text;            // the order id, or part of the customer's email or name
  std::optional<OrderStatus> status;
  std::optional<std::string> created_from;    // ISO time, inclusive
  std::optional<std::string> created_before;  // ISO time, exclusive
  std::optional<std::string> after_id;        // cursor: the last id of the previous page
  int limit = 50;
};
// Newest first. Text matches case-insensitively (ASCII) anywhere in the name
// or email; % and _ in it are matched literally.
std::vector<OrderSummary> search_orders(Connection& db, const OrderSearch& search);

// Orders with at least one dead job (a discarded job no longer counts), newest first.
std::vector<OrderSummary> orders_needing_attention(Connection& db, int limit);
int64_t count_orders_needing_attention(Connection& db);

// Orders accepted at or after `since` (ISO time), whatever became of them.
int64_t count_orders_since(Connection& db, const std::string& since);

// Paid orders and their revenue per currency, placed on `first_day`
// (YYYY-MM-DD, UTC) or later: the view revenue_daily summed.
struct Revenue {
  std::string currency;
  int64_t orders = 0;
  int64_t revenue_cents = 0;
};
std::vector<Revenue> revenue_since(Connection& db, const std::string& first_day);

}  // namespace shopd::store
