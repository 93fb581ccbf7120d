// Baseline (c) of bench/run.py: the storage ceiling. A bare SQLite client
// writes what shopd's intake writes for one order (the catalog price read,
// the order, its item, the stock reservation, the ledger row, the payment
// job) with prepared statements, 64 orders per transaction, on the schema
// shopd creates (schema.sql), WAL and synchronous = NORMAL as shopd runs.
// Usage: sqlite_orders DB SCHEMA_SQL ORDERS  -> prints "orders_per_s N"
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db, sql);
  return s;
}

void text(sqlite3_stmt* s, int i, const std::string& v) { sqlite3_bind_text(s, i, v.data(), int(v.size()), SQLITE_TRANSIENT); }

void run(sqlite3* db, sqlite3_stmt* s) {
  while (sqlite3_step(s) == SQLITE_ROW) {
  }
  check(sqlite3_reset(s), db, sqlite3_sql(s));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const int orders = std::atoi(argv[3]);
  std::ifstream schema_file(argv[2]);
  std::stringstream schema;
  schema << schema_file.rdbuf();

  sqlite3* db = nullptr;
  check(sqlite3_open(argv[1], &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                     nullptr, nullptr, nullptr), db, "pragmas");
  check(sqlite3_exec(db, schema.str().c_str(), nullptr, nullptr, nullptr), db, "schema");
  const char* now = "2026-11-28T00:00:00.000Z";
  for (const char* sku : {"MUG-01", "TEE-BLK-M", "STICKER-01"}) {
    const std::string sql = std::string("INSERT INTO products (sku, name, price_cents, stock, created_at, updated_at) "
                                        "VALUES ('") + sku + "', 'Product', 1200, 1000000000, '" + now + "', '" + now + "')";
    check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, "product");
  }

  // The statements of src/store/order_store.cpp, product_store.cpp and outbox_store.cpp.
  sqlite3_stmt* price = prepare(db, "SELECT name, price_cents FROM products WHERE sku = ?1");
  sqlite3_stmt* order = prepare(db,
      "INSERT INTO orders (id, status, stock_state, total_cents, currency, customer_email, customer_name, "
      "ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, payment_method, request_id, created_at, "
      "updated_at) VALUES (?1, 'received', 'reserved', ?2, 'EUR', ?3, ?4, ?5, '', 'Berlin', ?6, 'DE', "
      "'pm_card_visa', ?7, ?8, ?8)");
  sqlite3_stmt* item = prepare(db,
      "INSERT INTO order_items (order_id, line_no, sku, name, qty, price_cents) VALUES (?1, 0, ?2, ?3, ?4, ?5)");
  sqlite3_stmt* reserve = prepare(db, "UPDATE products SET stock = stock - ?2, updated_at = ?3 WHERE sku = ?1 AND stock >= ?2");
  sqlite3_stmt* ledger = prepare(db,
      "INSERT INTO stock_ledger (id, sku, order_id, reason, qty_delta, created_at) VALUES (?1, ?2, ?3, 'reserve', ?4, ?5)");
  sqlite3_stmt* job = prepare(db,
      "INSERT INTO outbox (id, order_id, kind, state, priority, attempts, max_attempts, run_at, payload, created_at, "
      "updated_at) VALUES (?1, ?2, 'payment.charge', 'pending', 0, 0, 5, ?3, '', ?3, ?3) "
      "ON CONFLICT (order_id, kind) WHERE kind <> 'alert.team' DO NOTHING");
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");

  std::mt19937_64 rng(42);
  uint64_t seq = 0;
  // Increasing like UUIDv7 (the primary keys' b-trees stay append-mostly), random in the tail.
  auto id = [&] {
    char buf[37];
    const uint64_t s = ++seq, r = rng();
    std::snprintf(buf, sizeof buf, "01a22095-%04llx-7%03llx-8%03llx-%012llx",
                  static_cast<unsigned long long>(s >> 12 & 0xFFFF), static_cast<unsigned long long>(s & 0xFFF),
                  static_cast<unsigned long long>(r & 0xFFF),
                  static_cast<unsigned long long>(r >> 16 & 0xFFFFFFFFFFFFULL));
    return std::string(buf);
  };
  const char* skus[] = {"MUG-01", "TEE-BLK-M", "STICKER-01"};

  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < orders; ++n) {
    if (n % 64 == 0) run(db, begin);
    const std::string sku = skus[n % 3];
    const int qty = n % 3 + 1;
    text(price, 1, sku);
    check(sqlite3_step(price), db, "price");
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(price, 0));
    const int64_t cents = sqlite3_column_int64(price, 1);
    check(sqlite3_reset(price), db, "price");
    const std::string order_id = id();
    text(order, 1, order_id);
    sqlite3_bind_int64(order, 2, cents * qty);
    text(order, 3, "buyer" + std::to_string(n) + "@example.com");
    text(order, 4, "Buyer " + std::to_string(n));
    text(order, 5, "Hauptstrasse " + std::to_string(n % 200 + 1));
    text(order, 6, std::to_string(10000 + n % 90000));
    text(order, 7, id());
    text(order, 8, now);
    run(db, order);
    text(item, 1, order_id);
    text(item, 2, sku);
    text(item, 3, name);
    sqlite3_bind_int(item, 4, qty);
    sqlite3_bind_int64(item, 5, cents);
    run(db, item);
    text(reserve, 1, sku);
    sqlite3_bind_int(reserve, 2, qty);
    text(reserve, 3, now);
    run(db, reserve);
    text(ledger, 1, id());
    text(ledger, 2, sku);
    text(ledger, 3, order_id);
    sqlite3_bind_int(ledger, 4, -qty);
    text(ledger, 5, now);
    run(db, ledger);
    text(job, 1, id());
    text(job, 2, order_id);
    text(job, 3, now);
    run(db, job);
    if (n % 64 == 63 || n == orders - 1) run(db, commit);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("orders_per_s %.0f\n", orders / seconds);
  sqlite3_close(db);
  return 0;
}
