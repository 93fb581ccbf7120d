// schema.sql as numbered migrations, applied with PRAGMA user_version.
#include <doctest/doctest.h>

#include <unistd.h>

#include "store/sqlite/migrate.h"
#include "store/database.h"

namespace shopd {

namespace {

struct TempFile {
  std::filesystem::path path;
  TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shopd-db-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = std::filesystem::path(tmpl) / "shop.db";
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(path.parent_path(), ignored);
  }
};

int user_version(store::Connection& db) {
  auto q = db.query("PRAGMA user_version");
  q.step();
  return static_cast<int>(q.int64(0));
}

bool has_table(store::Connection& db, const char* name) {
  auto q = db.query("SELECT count(*) FROM sqlite_schema WHERE name = ?1");
  q.bind(name);
  q.step();
  return q.int64(0) == 1;
}

}  // namespace

TEST_SUITE("database") {
  TEST_CASE("migration sections are split at their marker lines, header comment excluded") {
    const auto m = store::split_migrations(
        "-- header mentions \"-- migration: N\" in prose\n-- migration: 1\nCREATE TABLE a (x);\n"
        "-- migration: 2\nCREATE TABLE b (y);\n");
    REQUIRE(m.size() == 2);
    CHECK(m[0].version == 1);
    CHECK(m[0].sql.find("CREATE TABLE a") != std::string::npos);
    CHECK(m[0].sql.find("CREATE TABLE b") == std::string::npos);
    CHECK(m[1].version == 2);
  }

  TEST_CASE("migrations out of order are a programming error") {
    CHECK_THROWS(store::split_migrations("-- migration: 1\nSELECT 1;\n-- migration: 3\nSELECT 1;\n"));
  }

  TEST_CASE("a new database gets every table and view and the latest user_version") {
    TempFile f;
    store::SqliteConnection db(f.path, store::SqliteConnection::Mode::ReadWrite, 1000);
    store::migrate(db);
    CHECK(user_version(db) == store::latest_schema_version());
    for (const char* name : {"products", "orders", "order_items", "outbox", "job_attempts", "invoices",
                             "idempotency_keys", "stock_ledger", "order_overview", "dead_jobs", "refunds",
                             "refund_items", "credit_notes", "shipments", "revenue_daily", "stock_overview"})
      CHECK_MESSAGE(has_table(db, name), name);
  }

  TEST_CASE("migrating twice changes nothing") {
    TempFile f;
    store::SqliteConnection db(f.path, store::SqliteConnection::Mode::ReadWrite, 1000);
    store::migrate(db);
    store::migrate(db);
    CHECK(user_version(db) == store::latest_schema_version());
  }

  TEST_CASE("a database newer than this binary is refused") {
    TempFile f;
    store::SqliteConnection db(f.path, store::SqliteConnection::Mode::ReadWrite, 1000);
    db.raw().exec("PRAGMA user_version = " + std::to_string(store::latest_schema_version() + 1));
    CHECK_THROWS_WITH_AS(store::migrate(db), doctest::Contains("newer"), std::runtime_error);
  }

  TEST_CASE("migration 4 keeps a version 3 shop's orders and jobs; alerts get their own key, other jobs ''") {
    TempFile f;
    store::SqliteConnection db(f.path, store::SqliteConnection::Mode::ReadWrite, 1000);
    for (const auto& m : store::migrations(store::Dialect::Sqlite))
      if (m.version <= 3) db.raw().exec(m.sql);
    db.raw().exec(
        "PRAGMA user_version = 3;"
        "INSERT INTO products VALUES ('MUG-01', 'Mug', 1200, 5, 't', 't');"
        "INSERT INTO orders (id, status, stock_state, total_cents, currency, customer_email, customer_name, "
        "ship_line1, ship_city, ship_country, payment_method, created_at, updated_at, paid_at) VALUES "
        "('o1', 'needs_attention', 'sold', 2400, 'EUR', 'a@b.c', 'Ann', 'x', 'y', 'DE', 'pm', 't', 't', 't');"
        "INSERT INTO order_items VALUES ('o1', 0, 'MUG-01', 'Mug', 2, 1200);"
        "INSERT INTO stock_ledger VALUES ('l1', 'MUG-01', 'o1', 'sale', 0, 't');"
        "INSERT INTO outbox (id, order_id, kind, state, max_attempts, run_at, created_at, updated_at) VALUES "
        "('j1', 'o1', 'email.confirmation', 'dead', 5, 't', 't', 't'),"
        "('a1', 'o1', 'alert.team', 'done', 5, 't', 't', 't'),"
        "('a2', 'o1', 'alert.team', 'done', 5, 't', 't', 't');"
        "INSERT INTO job_attempts (id, job_id, attempt, started_at, outcome) VALUES ('t1', 'j1', 1, 't', 'permanent');"
        "INSERT INTO alerts (job_id, dead_job_id, order_id, kind, summary, webhook, email, created_at, updated_at) "
        "VALUES ('a1', 'j1', 'o1', 'email.confirmation', 's', 'none', 'sent', 't', 't');");
    store::migrate(db);
    CHECK(user_version(db) == store::latest_schema_version());
    auto keys = db.query("SELECT id, job_key FROM outbox ORDER BY id");
    std::vector<std::pair<std::string, std::string>> rows;
    while (keys.step()) rows.emplace_back(keys.text(0), keys.text(1));
    CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"a1", "a1"}, {"a2", "a2"}, {"j1", ""}});
    auto order = db.query("SELECT status, paid_at, cancelled_at IS NULL, cancel_reason FROM orders");
    REQUIRE(order.step());
    CHECK(order.text(0) == "needs_attention");
    CHECK(order.text(1) == "t");
    CHECK(order.int64(2) == 1);
    CHECK(order.text(3) == "");
    for (const char* table : {"job_attempts", "alerts", "order_items", "stock_ledger"}) {
      auto count = db.query(std::string("SELECT count(*) FROM ") + table);
      count.step();
      CHECK_MESSAGE(count.int64(0) == 1, table);
    }
    CHECK_FALSE(db.query("PRAGMA foreign_key_check").step());
    // A new kind needs no schema change; a status outside the list is refused.
    db.raw().exec("INSERT INTO outbox (id, order_id, kind, max_attempts, run_at, created_at, updated_at) "
                  "VALUES ('n1', 'o1', 'some.new_kind', 1, 't', 't', 't')");
    CHECK_THROWS(db.raw().exec("UPDATE orders SET status = 'lost' WHERE id = 'o1'"));
    db.raw().exec("UPDATE orders SET status = 'refunded' WHERE id = 'o1'");
  }

  TEST_CASE("the database is in WAL mode with foreign keys on") {
    TempFile f;
    store::SqliteConnection db(f.path, store::SqliteConnection::Mode::ReadWrite, 1000);
    auto mode = db.query("PRAGMA journal_mode");
    mode.step();
    CHECK(mode.text(0) == "wal");
    auto fk = db.query("PRAGMA foreign_keys");
    fk.step();
    CHECK(fk.int64(0) == 1);
  }
}

}  // namespace shopd
