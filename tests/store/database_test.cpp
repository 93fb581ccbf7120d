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
                             "idempotency_keys", "stock_ledger", "order_overview", "dead_jobs"})
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
