// A Connection to a PostgreSQL database through libpq.
//
// Why libpq and not libpqxx: shopd's Query is a thin bind/step/column API,
// and libpq's PQprepare / PQexecPrepared / PQgetvalue map onto it one to
// one; its SQLSTATE (PQresultErrorField) is all the writer needs to retry,
// and PQsocket / PQnotifies are LISTEN. libpqxx would bring a second
// transaction and exception model beside the store's own Writer and Tx.
//
// Statements are prepared once per connection (named s1, s2, ...), cached by
// their text, with `?N` placeholders rewritten to `$N`. Parameters go as
// text, except Blob parameters, which go as binary bytea; results come as
// text (booleans read as 0/1, bytea decoded).
//
// Errors: a failed statement throws DatabaseError with its SQLSTATE ("08006"
// when the connection itself broke; usable() is false from then on).
// Notices (e.g. "relation already exists, skipping") are dropped: shopd's
// own log lines must stay JSON.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/connection.h"

typedef struct pg_conn PGconn;

namespace shopd::store {

class PgConnection final : public Connection {
 public:
  // `url`: a libpq connection URI or key=value string; the password comes
  // from PGPASSWORD / PGPASSFILE as libpq reads them. Throws DatabaseError.
  explicit PgConnection(const std::string& url);
  ~PgConnection() override;

  Dialect dialect() const override { return Dialect::Postgres; }
  // Runs one or more statements without parameters (simple query protocol).
  void exec(const char* sql) override;
  bool usable() const override;
  // Takes a transaction id: the commit then writes (and flushes) a WAL record.
  void rewrite_header() override { query("SELECT txid_current()").step(); }
  std::optional<std::string> integrity_check() override { return std::nullopt; }

  // LISTEN support: the socket to wait on, and the payloads of the
  // notifications received so far (reads what the socket has).
  int socket() const;
  std::vector<std::string> take_notifications();

 protected:
  Statement& prepare(std::string_view sql) override;
  // A snapshot for several SELECTs; read-only, so it never fails to serialize.
  void begin_read() override { exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); }

 private:
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// `?1` -> `$1` outside quotes and comments. Throws std::logic_error on a
// bare `?` (every shopd statement numbers its parameters).
std::string to_postgres_placeholders(std::string_view sql);

// Whether a failed transaction may simply run again: a serialization
// failure (40001) or a deadlock (40P01).
bool is_retryable_sqlstate(const std::string& sqlstate);

// Whether the database, not the statement, refused: the connection broke or
// could not be made (class 08), the server is out of disk, memory or
// connections (53), read-only (25006, a standby), shutting down or not
// accepting connections (57P01-57P03), or an I/O error (58030).
bool is_storage_sqlstate(const std::string& sqlstate);

// The URL with any password in it replaced by "***" (for messages and logs).
std::string redact_database_url(const std::string& url);

}  // namespace shopd::store
