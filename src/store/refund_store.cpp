#include "store/refund_store.h"

#include <stdexcept>

namespace shopd::store {

namespace {

#define REFUND_COLUMNS                                                                                     \
  "id, order_id, state, origin, amount_cents, currency, reason, restock, coalesce(provider_ref, ''), " \
  "created_at, updated_at, coalesce(succeeded_at, '')"

constexpr const char* kInsertRefund =
    "INSERT INTO refunds (id, order_id, state, origin, amount_cents, currency, reason, restock, provider_ref, "
    "created_at, updated_at, succeeded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)";
constexpr const char* kInsertLine =
    "INSERT INTO refund_items (refund_id, line_no, sku, qty, amount_cents) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kFindRefund = "SELECT " REFUND_COLUMNS " FROM refunds WHERE id = ?1";
constexpr const char* kFindByProviderRef = "SELECT " REFUND_COLUMNS " FROM refunds WHERE provider_ref = ?1";
constexpr const char* kRefundsForOrder = "SELECT " REFUND_COLUMNS " FROM refunds WHERE order_id = ?1 ORDER BY id";
constexpr const char* kLines =
    "SELECT line_no, sku, qty, amount_cents FROM refund_items WHERE refund_id = ?1 ORDER BY line_no";
constexpr const char* kCommittedCents =
    "SELECT CAST(coalesce(sum(amount_cents), 0) AS bigint) FROM refunds "
    "WHERE order_id = ?1 AND state IN ('pending', 'succeeded')";
constexpr const char* kRefundedCents =
    "SELECT CAST(coalesce(sum(amount_cents), 0) AS bigint) FROM refunds WHERE order_id = ?1 AND state = 'succeeded'";
constexpr const char* kCommittedQty =
    "SELECT i.line_no, CAST(sum(i.qty) AS bigint) FROM refund_items i JOIN refunds r ON r.id = i.refund_id "
    "WHERE r.order_id = ?1 AND r.state IN ('pending', 'succeeded') GROUP BY i.line_no";
constexpr const char* kRestockedQty =
    "SELECT i.line_no, CAST(sum(i.qty) AS bigint) FROM refund_items i JOIN refunds r ON r.id = i.refund_id "
    "WHERE r.order_id = ?1 AND r.state = 'succeeded' AND r.restock = 1 GROUP BY i.line_no";
constexpr const char* kMarkSucceeded =
    "UPDATE refunds SET state = 'succeeded', provider_ref = coalesce(?2, provider_ref), succeeded_at = ?3, "
    "updated_at = ?3 WHERE id = ?1 AND state = 'pending'";
constexpr const char* kMarkFailed =
    "UPDATE refunds SET state = 'failed', updated_at = ?2 WHERE id = ?1 AND state = 'pending'";
constexpr const char* kReopen = "UPDATE refunds SET state = 'pending', updated_at = ?2 WHERE id = ?1 AND state = 'failed'";

constexpr const char* kInsertShipment =
    "INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, shipped_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (order_id) DO NOTHING";
constexpr const char* kFindShipment =
    "SELECT order_id, carrier, tracking_number, tracking_url, shipped_at FROM shipments WHERE order_id = ?1";

#undef REFUND_COLUMNS

RefundState read_state(const std::string& text) {
  const auto state = parse_refund_state(text);
  // The schema's CHECK constraint allows only known names.
  if (!state) throw std::runtime_error("refund row with unknown state \"" + text + "\"");
  return *state;
}

Refund read_refund(const Query& q) {
  Refund r;
  r.id = q.text(0);
  r.order_id = q.text(1);
  r.state = read_state(q.text(2));
  r.origin = q.text(3);
  r.amount_cents = q.int64(4);
  r.currency = q.text(5);
  r.reason = q.text(6);
  r.restock = q.int64(7) != 0;
  r.provider_ref = q.text(8);
  r.created_at = q.text(9);
  r.updated_at = q.text(10);
  r.succeeded_at = q.text(11);
  return r;
}

std::vector<RefundLine> load_lines(Connection& db, const std::string& refund_id) {
  auto q = db.query(kLines);
  q.bind(refund_id);
  std::vector<RefundLine> out;
  while (q.step()) out.push_back(RefundLine{static_cast<int>(q.int64(0)), q.text(1), static_cast<int>(q.int64(2)), q.int64(3)});
  return out;
}

std::optional<Refund> find_one(Connection& db, const char* sql, const std::string& key) {
  std::optional<Refund> r;
  {
    auto q = db.query(sql);
    q.bind(key);
    if (!q.step()) return std::nullopt;
    r = read_refund(q);
  }
  r->lines = load_lines(db, r->id);
  return r;
}

int64_t one_number(Connection& db, const char* sql, const std::string& order_id) {
  auto q = db.query(sql);
  q.bind(order_id);
  q.step();
  return q.int64(0);
}

std::map<int, int> qty_by_line(Connection& db, const char* sql, const std::string& order_id) {
  auto q = db.query(sql);
  q.bind(order_id);
  std::map<int, int> out;
  while (q.step()) out[static_cast<int>(q.int64(0))] = static_cast<int>(q.int64(1));
  return out;
}

std::optional<std::string> optional_text(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

void insert_refund(Tx& tx, const Refund& r, TimePoint now) {
  tx.db.query(kInsertRefund)
      .bind(r.id, r.order_id, to_string(r.state), r.origin, r.amount_cents, r.currency, r.reason,
            static_cast<int64_t>(r.restock ? 1 : 0), optional_text(r.provider_ref), format_iso(now),
            optional_text(r.succeeded_at))
      .exec();
  for (const auto& line : r.lines)
    tx.db.query(kInsertLine).bind(r.id, static_cast<int64_t>(line.line_no), line.sku, line.qty, line.amount_cents).exec();
}

std::optional<Refund> find_refund(Connection& db, const std::string& refund_id) {
  return find_one(db, kFindRefund, refund_id);
}

std::optional<Refund> find_refund_by_provider_ref(Connection& db, const std::string& provider_ref) {
  return find_one(db, kFindByProviderRef, provider_ref);
}

std::vector<Refund> refunds_for_order(Connection& db, const std::string& order_id) {
  std::vector<Refund> out;
  {
    auto q = db.query(kRefundsForOrder);
    q.bind(order_id);
    while (q.step()) out.push_back(read_refund(q));
  }
  for (auto& r : out) r.lines = load_lines(db, r.id);
  return out;
}

int64_t committed_refund_cents(Connection& db, const std::string& order_id) {
  return one_number(db, kCommittedCents, order_id);
}

std::map<int, int> committed_refund_qty(Connection& db, const std::string& order_id) {
  return qty_by_line(db, kCommittedQty, order_id);
}

int64_t refunded_cents(Connection& db, const std::string& order_id) { return one_number(db, kRefundedCents, order_id); }

std::map<int, int> restocked_qty(Connection& db, const std::string& order_id) {
  return qty_by_line(db, kRestockedQty, order_id);
}

bool mark_refund_succeeded(Tx& tx, const std::string& refund_id, const std::string& provider_ref, TimePoint now) {
  return tx.db.query(kMarkSucceeded).bind(refund_id, optional_text(provider_ref), format_iso(now)).exec() == 1;
}

bool mark_refund_failed(Tx& tx, const std::string& refund_id, TimePoint now) {
  return tx.db.query(kMarkFailed).bind(refund_id, format_iso(now)).exec() == 1;
}

bool reopen_refund(Tx& tx, const std::string& refund_id, TimePoint now) {
  return tx.db.query(kReopen).bind(refund_id, format_iso(now)).exec() == 1;
}

bool insert_shipment(Tx& tx, const Shipment& s) {
  return tx.db.query(kInsertShipment)
             .bind(s.order_id, s.carrier, s.tracking_number, s.tracking_url, s.shipped_at)
             .exec() == 1;
}

std::optional<Shipment> find_shipment(Connection& db, const std::string& order_id) {
  auto q = db.query(kFindShipment);
  q.bind(order_id);
  if (!q.step()) return std::nullopt;
  return Shipment{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)};
}

}  // namespace shopd::store
