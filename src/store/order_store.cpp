#include "store/order_store.h"

#include "core/uuid7.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "tax/amounts.h"

#include <algorithm>
#include <stdexcept>

namespace shopd::store {

namespace {

constexpr const char* kPriceOf = "SELECT name, price_cents, vat_category FROM products WHERE sku = ?1";
constexpr const char* kInsertOrder =
    "INSERT INTO orders (id, status, stock_state, total_cents, currency, customer_email, customer_name, "
    "ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, payment_method, request_id, created_at, "
    "updated_at, locale, customer_vat_id, tax_regime, tax_country, amounts_include_vat, shipping_cents, "
    "shipping_vat_category, shipping_vat_rate_bp) VALUES (?1, 'received', 'reserved', ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
constexpr const char* kInsertItem =
    "INSERT INTO order_items (order_id, line_no, sku, name, qty, price_cents, vat_category, vat_rate_bp) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kReserve =
    "UPDATE products SET stock = stock - ?2, updated_at = ?3 WHERE sku = ?1 AND stock >= ?2";
constexpr const char* kUnreserve = "UPDATE products SET stock = stock + ?2, updated_at = ?3 WHERE sku = ?1";
constexpr const char* kLoadOrder =
    "SELECT id, status, stock_state, total_cents, currency, customer_email, customer_name, ship_line1, ship_line2, "
    "ship_city, ship_postal_code, ship_country, payment_method, payment_ref, created_at, updated_at, paid_at, "
    "cancelled_at, cancel_reason, locale, customer_vat_id, tax_regime, tax_country, amounts_include_vat, "
    "shipping_cents, shipping_vat_category, shipping_vat_rate_bp FROM orders WHERE id = ?1";
constexpr const char* kStatusFacts =
    "SELECT status, CASE WHEN paid_at IS NULL THEN 0 ELSE 1 END, CASE WHEN cancelled_at IS NULL THEN 0 ELSE 1 END, "
    "total_cents, CAST((SELECT coalesce(sum(amount_cents), 0) FROM refunds r WHERE r.order_id = orders.id "
    "AND r.state = 'succeeded') AS bigint) FROM orders WHERE id = ?1";
constexpr const char* kLoadItems =
    "SELECT sku, name, qty, price_cents, vat_category, vat_rate_bp FROM order_items WHERE order_id = ?1 "
    "ORDER BY line_no";
constexpr const char* kSetStatus =
    "UPDATE orders SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status <> ?2";
constexpr const char* kSetPaymentRef = "UPDATE orders SET payment_ref = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char* kMarkPaid =
    "UPDATE orders SET payment_ref = coalesce(?2, payment_ref), paid_at = coalesce(paid_at, ?3), updated_at = ?3 "
    "WHERE id = ?1";
constexpr const char* kMarkCancelled =
    "UPDATE orders SET cancelled_at = ?3, cancel_reason = ?2, updated_at = ?3 WHERE id = ?1 AND cancelled_at IS NULL";
constexpr const char* kSetStockState =
    "UPDATE orders SET stock_state = ?3, updated_at = ?4 WHERE id = ?1 AND stock_state = ?2";
constexpr Sql kListOrders{
    .sqlite = "SELECT id, status, total_cents, currency, created_at, updated_at FROM orders "
              "WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
    .postgres = "SELECT id, status, total_cents, currency, created_at, updated_at FROM orders "
                "WHERE (?1::text IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
};
// SQLite's single writer already runs one write at a time.
constexpr Sql kLockOrder{
    .sqlite = "SELECT 1 FROM orders WHERE id = ?1",
    .postgres = "SELECT 1 FROM orders WHERE id = ?1 FOR UPDATE",
};
constexpr const char* kCountByStatus = "SELECT status, count(*) FROM orders GROUP BY status";
// SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE does the same.
constexpr Sql kSearchOrders{
    .sqlite = "SELECT id, status, total_cents, currency, customer_name, customer_email, created_at, '' FROM orders "
              "WHERE (?1 IS NULL OR id < ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR created_at >= ?3) "
              "AND (?4 IS NULL OR created_at < ?4) "
              "AND (?5 IS NULL OR id = ?5 OR customer_email LIKE ?6 ESCAPE '\\' OR customer_name LIKE ?6 ESCAPE '\\') "
              "ORDER BY id DESC LIMIT ?7",
    .postgres = "SELECT id, status, total_cents, currency, customer_name, customer_email, created_at, '' FROM orders "
                "WHERE (?1::text IS NULL OR id < ?1) AND (?2::text IS NULL OR status = ?2) "
                "AND (?3::text IS NULL OR created_at >= ?3) AND (?4::text IS NULL OR created_at < ?4) "
                "AND (?5::text IS NULL OR id = ?5 OR customer_email ILIKE ?6 ESCAPE '\\' "
                "OR customer_name ILIKE ?6 ESCAPE '\\') "
                "ORDER BY id DESC LIMIT ?7",
};
// outbox_state (state, id) finds the dead jobs without reading the others.
constexpr Sql kNeedingAttention{
    .sqlite = "SELECT o.id, o.status, o.total_cents, o.currency, o.customer_name, o.customer_email, o.created_at, "
              "group_concat(j.kind, ', ') FROM outbox j JOIN orders o ON o.id = j.order_id WHERE j.state = 'dead' "
              "GROUP BY o.id ORDER BY o.id DESC LIMIT ?1",
    .postgres = "SELECT o.id, o.status, o.total_cents, o.currency, o.customer_name, o.customer_email, o.created_at, "
                "string_agg(j.kind, ', ') FROM outbox j JOIN orders o ON o.id = j.order_id WHERE j.state = 'dead' "
                "GROUP BY o.id ORDER BY o.id DESC LIMIT ?1",
};
constexpr const char* kCountNeedingAttention =
    "SELECT count(DISTINCT order_id) FROM outbox WHERE state = 'dead'";
constexpr const char* kCountOrdersSince = "SELECT count(*) FROM orders WHERE created_at >= ?1";
constexpr const char* kRevenueSince =
    "SELECT currency, sum(orders), sum(revenue_cents) FROM revenue_daily WHERE day >= ?1 "
    "GROUP BY currency ORDER BY currency";

// The schema's CHECK constraints allow only known names.
tax::VatCategory read_category(const std::string& text) {
  const auto category = tax::parse_vat_category(text);
  if (!category) throw std::runtime_error("row with unknown vat_category \"" + text + "\"");
  return *category;
}

OrderStatus read_status(const std::string& text) {
  const auto status = parse_order_status(text);
  // The schema's CHECK constraint allows only known names.
  if (!status) throw std::runtime_error("order row with unknown status \"" + text + "\"");
  return *status;
}

LineRefused out_of_stock(size_t line, const std::string& sku) {
  return LineRefused{LineRefused::Reason::OutOfStock, line, sku};
}

// 50%_off -> %50\%\_off%: a LIKE pattern that finds the text anywhere, literally.
std::string contains_pattern(const std::string& text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

std::vector<OrderSummary> read_summaries(Query& q) {
  std::vector<OrderSummary> out;
  while (q.step())
    out.push_back(OrderSummary{q.text(0), read_status(q.text(1)), q.int64(2), q.text(3), q.text(4), q.text(5), q.text(6),
                               q.text(7)});
  return out;
}

bool move_stock_state(Tx& tx, const std::string& order_id, StockState from, StockState to, TimePoint now) {
  return tx.db.query(kSetStockState).bind(order_id, to_string(from), to_string(to), format_iso(now)).exec() == 1;
}

StockState read_stock_state(const std::string& text) {
  const auto state = parse_stock_state(text);
  // The schema's CHECK constraint allows only known names.
  if (!state) throw std::runtime_error("order row with unknown stock_state \"" + text + "\"");
  return *state;
}

std::vector<OrderItem> load_items(Connection& db, const std::string& order_id) {
  std::vector<OrderItem> items;
  auto q = db.query(kLoadItems);
  q.bind(order_id);
  while (q.step())
    items.push_back(OrderItem{q.text(0), q.text(1), static_cast<int>(q.int64(2)), q.int64(3), read_category(q.text(4)),
                              static_cast<int>(q.int64(5))});
  return items;
}

}  // namespace

std::variant<CreatedOrder, LineRefused> create_order(Tx& tx, const NewOrder& order, const CreateOrder& options) {
  // Price every line from the catalog before writing anything.
  std::vector<OrderItem> items;
  std::vector<tax::CatalogLine> catalog;
  for (size_t i = 0; i < order.items.size(); ++i) {
    const auto& line = order.items[i];
    auto q = tx.db.query(kPriceOf);
    q.bind(line.sku);
    if (!q.step()) return LineRefused{LineRefused::Reason::UnknownSku, i, line.sku};
    items.push_back(OrderItem{line.sku, q.text(0), line.qty, 0, read_category(q.text(2)), 0});
    catalog.push_back(tax::CatalogLine{line.qty, q.int64(1), items.back().vat_category});
  }
  const tax::PricedOrder priced = tax::price_order(options.tax, catalog, options.shipping);
  for (size_t i = 0; i < items.size(); ++i) {
    items[i].price_cents = priced.lines[i].unit_cents;
    items[i].vat_rate_bp = priced.lines[i].rate_bp;
  }

  CreatedOrder created{new_uuid7(), priced.totals.gross_cents, format_iso(options.now)};
  const auto& c = order.customer;
  const auto& a = order.shipping;
  const int64_t shipping_cents = priced.shipping ? priced.shipping->unit_cents : 0;
  const int64_t shipping_rate = priced.shipping ? priced.shipping->rate_bp : 0;
  tx.db.query(kInsertOrder)
      .bind(created.id, created.total_cents, options.currency, c.email, c.name, a.line1, a.line2, a.city,
            a.postal_code, a.country, order.payment_method, options.request_id, created.created_at, options.locale,
            c.vat_id, tax::to_string(options.tax.regime), options.tax.rates_country,
            int64_t{options.tax.amounts_include_vat ? 1 : 0}, shipping_cents, tax::to_string(priced.shipping_category), shipping_rate)
      .exec();
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    tx.db.query(kInsertItem)
        .bind(created.id, static_cast<int64_t>(i), item.sku, item.name, item.qty, item.price_cents,
              tax::to_string(item.vat_category), int64_t{item.vat_rate_bp})
        .exec();
    if (tx.db.query(kReserve).bind(item.sku, item.qty, created.created_at).exec() != 1) {
      tx.rollback();
      return out_of_stock(i, item.sku);
    }
    record_stock_movement(tx, item.sku, created.id, "reserve", -item.qty, options.now);
  }
  for (NewJob job : options.first_jobs) {
    job.order_id = created.id;
    enqueue(tx, job, options.now);
  }
  return created;
}

std::optional<Order> load_order(Connection& db, const std::string& order_id) {
  auto q = db.query(kLoadOrder);
  q.bind(order_id);
  if (!q.step()) return std::nullopt;
  Order o;
  o.id = q.text(0);
  o.status = read_status(q.text(1));
  o.stock_state = read_stock_state(q.text(2));
  o.total_cents = q.int64(3);
  o.currency = q.text(4);
  o.customer = Customer{q.text(5), q.text(6)};
  o.shipping = Address{q.text(7), q.text(8), q.text(9), q.text(10), q.text(11)};
  o.payment_method = q.text(12);
  o.payment_ref = q.text(13);
  o.created_at = q.text(14);
  o.updated_at = q.text(15);
  o.paid_at = q.text(16);
  o.cancelled_at = q.text(17);
  o.cancel_reason = q.text(18);
  o.locale = q.text(19);
  o.customer.vat_id = q.text(20);
  if (const auto regime = q.opt_text(21)) o.tax_regime = tax::parse_tax_regime(*regime);
  o.tax_country = q.text(22);
  o.amounts_include_vat = q.int64(23) != 0;
  o.shipping_cents = q.int64(24);
  o.shipping_vat_category = read_category(q.text(25));
  o.shipping_vat_rate_bp = static_cast<int>(q.int64(26));
  o.items = load_items(db, order_id);
  return o;
}

std::optional<StatusFacts> load_status_facts(Connection& db, const std::string& order_id) {
  auto q = db.query(kStatusFacts);
  q.bind(order_id);
  if (!q.step()) return std::nullopt;
  return StatusFacts{read_status(q.text(0)), q.int64(1) != 0, q.int64(2) != 0, q.int64(3), q.int64(4)};
}

void set_order_status(Tx& tx, const std::string& order_id, OrderStatus status, TimePoint now) {
  tx.db.query(kSetStatus).bind(order_id, to_string(status), format_iso(now)).exec();
}

void mark_paid(Tx& tx, const std::string& order_id, const std::string& payment_ref, TimePoint now) {
  std::optional<std::string> ref;
  if (!payment_ref.empty()) ref = payment_ref;
  tx.db.query(kMarkPaid).bind(order_id, ref, format_iso(now)).exec();
}

void set_payment_ref(Tx& tx, const std::string& order_id, const std::string& payment_ref, TimePoint now) {
  tx.db.query(kSetPaymentRef).bind(order_id, payment_ref, format_iso(now)).exec();
}

bool commit_stock(Tx& tx, const std::string& order_id, TimePoint now) {
  if (!move_stock_state(tx, order_id, StockState::Reserved, StockState::Sold, now)) return false;
  for (const auto& item : load_items(tx.db, order_id))
    record_stock_movement(tx, item.sku, order_id, "sale", 0, now);
  return true;
}

bool release_stock(Tx& tx, const std::string& order_id, TimePoint now) {
  if (!move_stock_state(tx, order_id, StockState::Reserved, StockState::Released, now)) return false;
  const auto ts = format_iso(now);
  for (const auto& item : load_items(tx.db, order_id)) {
    tx.db.query(kUnreserve).bind(item.sku, item.qty, ts).exec();
    record_stock_movement(tx, item.sku, order_id, "release", item.qty, now);
  }
  return true;
}

void restock(Tx& tx, const std::string& order_id, std::vector<RestockLine> lines, TimePoint now) {
  std::sort(lines.begin(), lines.end(), [](const RestockLine& a, const RestockLine& b) { return a.sku < b.sku; });
  const auto ts = format_iso(now);
  for (const auto& line : lines) {
    if (line.qty <= 0) continue;
    tx.db.query(kUnreserve).bind(line.sku, line.qty, ts).exec();
    record_stock_movement(tx, line.sku, order_id, "restock", line.qty, now);
  }
}

bool mark_cancelled(Tx& tx, const std::string& order_id, const std::string& reason, TimePoint now) {
  return tx.db.query(kMarkCancelled).bind(order_id, reason, format_iso(now)).exec() == 1;
}

std::optional<LineRefused> rereserve_stock(Tx& tx, const std::string& order_id, TimePoint now) {
  // A savepoint of its own: when one line has no stock, the lines already
  // re-reserved are given back and the order stays released.
  tx.db.exec("SAVEPOINT rereserve");
  std::optional<LineRefused> error;
  if (move_stock_state(tx, order_id, StockState::Released, StockState::Reserved, now)) {
    const auto ts = format_iso(now);
    const auto items = load_items(tx.db, order_id);
    for (size_t i = 0; i < items.size() && !error; ++i) {
      if (tx.db.query(kReserve).bind(items[i].sku, items[i].qty, ts).exec() != 1) error = out_of_stock(i, items[i].sku);
      else record_stock_movement(tx, items[i].sku, order_id, "reserve", -items[i].qty, now);
    }
  }
  if (error) tx.db.exec("ROLLBACK TO rereserve");
  tx.db.exec("RELEASE rereserve");
  return error;
}

void lock_order(Tx& tx, const std::string& order_id) { tx.db.query(kLockOrder).bind(order_id).step(); }

std::vector<OrderRow> list_orders(Connection& db, int limit, const std::optional<std::string>& after_id) {
  std::vector<OrderRow> out;
  auto q = db.query(kListOrders);
  q.bind(after_id, limit);
  while (q.step())
    out.push_back(OrderRow{q.text(0), read_status(q.text(1)), q.int64(2), q.text(3), q.text(4), q.text(5)});
  return out;
}

std::map<OrderStatus, int64_t> count_orders_by_status(Connection& db) {
  std::map<OrderStatus, int64_t> out;
  auto q = db.query(kCountByStatus);
  while (q.step()) out[read_status(q.text(0))] = q.int64(1);
  return out;
}

std::vector<OrderSummary> search_orders(Connection& db, const OrderSearch& search) {
  std::optional<std::string> pattern;
  if (search.text) pattern = contains_pattern(*search.text);
  std::optional<std::string_view> status;
  if (search.status) status = to_string(*search.status);
  auto q = db.query(kSearchOrders);
  q.bind(search.after_id, status, search.created_from, search.created_before, search.text, pattern,
         search.limit);
  return read_summaries(q);
}

std::vector<OrderSummary> orders_needing_attention(Connection& db, int limit) {
  auto q = db.query(kNeedingAttention);
  q.bind(limit);
  return read_summaries(q);
}

int64_t count_orders_needing_attention(Connection& db) {
  auto q = db.query(kCountNeedingAttention);
  q.step();
  return q.int64(0);
}

int64_t count_orders_since(Connection& db, const std::string& since) {
  auto q = db.query(kCountOrdersSince);
  q.bind(since);
  q.step();
  return q.int64(0);
}

std::vector<Revenue> revenue_since(Connection& db, const std::string& first_day) {
  std::vector<Revenue> out;
  auto q = db.query(kRevenueSince);
  q.bind(first_day);
  while (q.step()) out.push_back(Revenue{q.text(0), q.int64(1), q.int64(2)});
  return out;
}

}  // namespace shopd::store
