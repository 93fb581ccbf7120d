// The parts of the PostgreSQL connection that need no server: placeholders,
// which errors are retried, and URLs in messages. The store's behaviour on a
// real server is covered by the e2e suite's [postgres] runs.
#include <doctest/doctest.h>

#include "store/database.h"
#include "store/postgres/connection.h"

namespace shopd {

TEST_SUITE("pg_connection") {
  TEST_CASE("numbered placeholders become PostgreSQL's, quoted text and comments stay as they are") {
    CHECK(store::to_postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c < ?12") ==
          "SELECT a FROM t WHERE b = $1 AND c < $12");
    CHECK(store::to_postgres_placeholders("SELECT '?1', \"odd?2\" FROM t WHERE x = ?2 -- ?3\n AND y = ?3") ==
          "SELECT '?1', \"odd?2\" FROM t WHERE x = $2 -- ?3\n AND y = $3");
    CHECK(store::to_postgres_placeholders("SELECT 'it''s ?1' || ?1") == "SELECT 'it''s ?1' || $1");
  }

  TEST_CASE("an unnumbered placeholder is a programming error") {
    CHECK_THROWS_AS(store::to_postgres_placeholders("SELECT ? FROM t"), std::logic_error);
  }

  TEST_CASE("only serialization failures and deadlocks are retried") {
    CHECK(store::is_retryable_sqlstate("40001"));
    CHECK(store::is_retryable_sqlstate("40P01"));
    CHECK_FALSE(store::is_retryable_sqlstate("23505"));  // unique violation: a bug or a real conflict
    CHECK_FALSE(store::is_retryable_sqlstate("08006"));  // connection lost: the commit's fate is unknown
    CHECK_FALSE(store::is_retryable_sqlstate(""));
  }

  TEST_CASE("a password in a database URL never reaches a message") {
    CHECK(store::redact_database_url("postgresql://shop:hunter2@db.internal:5432/shop") ==
          "postgresql://shop:***@db.internal:5432/shop");
    CHECK(store::redact_database_url("postgresql://db.internal/shop?password=hunter2&sslmode=require") ==
          "postgresql://db.internal/shop?password=***&sslmode=require");
    CHECK(store::redact_database_url("host=db password=hunter2 dbname=shop") == "host=db password=*** dbname=shop");
    CHECK(store::redact_database_url("postgresql://shop@db.internal/shop") == "postgresql://shop@db.internal/shop");
  }
}

TEST_SUITE("database") {
  TEST_CASE("the SQLite and PostgreSQL schemas have the same migrations, numbered the same") {
    const auto& sqlite = store::migrations(store::Dialect::Sqlite);
    const auto& postgres = store::migrations(store::Dialect::Postgres);
    REQUIRE(sqlite.size() == postgres.size());
    for (size_t i = 0; i < sqlite.size(); ++i) CHECK(sqlite[i].version == postgres[i].version);
    CHECK(store::latest_schema_version() == sqlite.back().version);
  }
}

}  // namespace shopd
