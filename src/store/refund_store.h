// Refunds (SPEC section 9): money given back, with the order lines it gives
// back, and the shipment of an order.
//
// A refund is written in the transaction that accepts it (pending, with its
// payment.refund job), and moves pending -> succeeded in the transaction that
// marks that job done, pending -> failed when the job dies, failed -> pending
// when an owner retries it. Each transition is a guarded update, so it runs
// at most once however often a job runs. States: core/states.h.
//
// "Committed" amounts count pending and succeeded refunds: money that went
// back or is on its way, which a new refund must leave room for.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/states.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

// Who made a refund.
inline constexpr const char* kRefundByOwner = "owner";        // POST /admin/orders/{id}/refunds, CLI, dashboard
inline constexpr const char* kRefundByCancel = "cancel";      // an owner cancelled a paid order
inline constexpr const char* kRefundByProvider = "provider";  // made in Stripe's dashboard (charge.refunded)

struct RefundLine {
  int line_no = 0;  // the order line (order_items.line_no)
  std::string sku;
  int qty = 0;
  int64_t amount_cents = 0;  // qty * the line's unit price
};

struct Refund {
  std::string id;
  std::string order_id;
  RefundState state = RefundState::Pending;
  std::string origin;
  int64_t amount_cents = 0;
  std::string currency;
  std::string reason;
  bool restock = false;
  std::string provider_ref;  // Stripe's refund id, once known
  std::string created_at;
  std::string updated_at;
  std::string succeeded_at;
  std::vector<RefundLine> lines;  // empty for a refund of an amount
};

// Inserts the refund and its lines (state and succeeded_at as given: a refund
// Stripe reports arrives succeeded).
void insert_refund(Tx& tx, const Refund& refund, TimePoint now);

std::optional<Refund> find_refund(Connection& db, const std::string& refund_id);
std::optional<Refund> find_refund_by_provider_ref(Connection& db, const std::string& provider_ref);
// Oldest first.
std::vector<Refund> refunds_for_order(Connection& db, const std::string& order_id);

// Pending and succeeded refunds of the order, summed.
int64_t committed_refund_cents(Connection& db, const std::string& order_id);
// Per order line (line_no): the quantity pending and succeeded refunds give back.
std::map<int, int> committed_refund_qty(Connection& db, const std::string& order_id);
// Succeeded refunds of the order, summed.
int64_t refunded_cents(Connection& db, const std::string& order_id);
// Per order line: the quantity refunds that succeeded with restock put back on sale.
std::map<int, int> restocked_qty(Connection& db, const std::string& order_id);

// pending -> succeeded (with Stripe's refund id); false when it was not pending.
bool mark_refund_succeeded(Tx& tx, const std::string& refund_id, const std::string& provider_ref, TimePoint now);
// pending -> failed; false when it was not pending.
bool mark_refund_failed(Tx& tx, const std::string& refund_id, TimePoint now);
// failed -> pending (an owner retries it); false when it was not failed.
bool reopen_refund(Tx& tx, const std::string& refund_id, TimePoint now);

// The parcel left.
struct Shipment {
  std::string order_id;
  std::string carrier;
  std::string tracking_number;
  std::string tracking_url;
  std::string shipped_at;
};
// False (and nothing written) when the order already has a shipment.
bool insert_shipment(Tx& tx, const Shipment& shipment);
std::optional<Shipment> find_shipment(Connection& db, const std::string& order_id);

}  // namespace shopd::store
