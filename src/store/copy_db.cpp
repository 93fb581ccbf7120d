#include "store/copy_db.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "store/database.h"
#include "store/postgres/migrate.h"
#include "store/sqlite/migrate.h"

namespace shopd::store {

namespace {

// Every shop table, parents before children (foreign keys hold at each
// insert). A table added by a migration is added here too; copy-db refuses
// to run when a table of either schema is missing from this list.
constexpr const char* kTables[] = {"products",     "orders",       "order_items", "stock_ledger",     "outbox",
                                   "job_attempts", "invoices",     "refunds",     "refund_items",     "credit_notes",
                                   "shipments",    "idempotency_keys", "alerts",  "admin_sessions"};
// Bookkeeping of each engine, not shop data.
constexpr const char* kNotCopied[] = {"schema_migrations", "invoice_numbering", "credit_note_numbering"};

// Rows per INSERT: few round trips, well under PostgreSQL's 65535 parameters.
constexpr size_t kMaxRowsPerInsert = 200;

constexpr const char* kSqliteTables =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
constexpr const char* kSqliteColumns = "SELECT name FROM pragma_table_info(?1) ORDER BY cid";
constexpr const char* kPgTables =
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name";
constexpr const char* kPgColumns =
    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = ?1 ORDER BY ordinal_position";
// One copy at a time into a database, for the whole transaction.
constexpr const char* kLockCopy = "SELECT pg_advisory_xact_lock(1936682087, 0)";
constexpr const char* kInvoiceCounter = "SELECT last_seq FROM invoice_numbering WHERE id = 1";
constexpr const char* kSetInvoiceCounter =
    "UPDATE invoice_numbering SET last_seq = (SELECT coalesce(max(seq), 0) FROM invoices) WHERE id = 1";
constexpr const char* kSetCreditNoteCounter =
    "UPDATE credit_note_numbering SET last_seq = (SELECT coalesce(max(seq), 0) FROM credit_notes) WHERE id = 1";

// One column value as SQLite stored it.
struct Value {
  int type = SQLITE_NULL;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // TEXT or BLOB
};
using Row = std::vector<Value>;

std::vector<std::string> names(Query& q) {
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

std::vector<std::string> names(Connection& db, const char* sql, const std::string& table = "") {
  auto q = db.query(sql);
  if (!table.empty()) q.bind(table);
  return names(q);
}

// Identifiers here come from the two schemas (checked equal), never from input.
std::string quoted(const std::string& name) { return "\"" + name + "\""; }

void check_same_tables(SqliteConnection& from, PgConnection& to) {
  std::set<std::string> expected(std::begin(kTables), std::end(kTables));
  for (const auto& [engine, tables] : {std::pair{"SQLite", names(from, kSqliteTables)},
                                       std::pair{"PostgreSQL", names(to, kPgTables)}}) {
    std::set<std::string> have(tables.begin(), tables.end());
    for (const char* skip : kNotCopied) have.erase(skip);
    if (have != expected)
      throw std::logic_error(std::string("copy-db does not know every table of the ") + engine +
                             " schema (src/store/copy_db.cpp kTables)");
  }
}

std::vector<std::string> same_columns(SqliteConnection& from, PgConnection& to, const std::string& table) {
  auto columns = names(from, kSqliteColumns, table);
  auto target = names(to, kPgColumns, table);
  std::vector<std::string> a = columns, b = target;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) throw std::runtime_error("table " + table + " has different columns on SQLite and PostgreSQL");
  return columns;
}

void refuse_unless_empty(PgConnection& to) {
  for (const char* table : kTables) {
    auto q = to.query("SELECT EXISTS (SELECT 1 FROM " + quoted(table) + ")");
    if (q.step() && q.int64(0) == 1)
      throw std::runtime_error("the target database is not empty (table " + std::string(table) +
                               " has rows): copy-db only copies into an empty database");
  }
  auto counter = to.query(kInvoiceCounter);
  if (counter.step() && counter.int64(0) != 0)
    throw std::runtime_error("the target database has given out invoice numbers: it is not empty");
}

Value read_value(SQLite::Statement& st, int col) {
  auto c = st.getColumn(col);
  Value v;
  v.type = c.getType();
  switch (v.type) {
    case SQLITE_INTEGER: v.integer = c.getInt64(); break;
    case SQLITE_FLOAT: v.real = c.getDouble(); break;
    case SQLITE_TEXT: v.bytes = c.getString(); break;
    case SQLITE_BLOB: v.bytes.assign(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())); break;
    default: break;
  }
  return v;
}

void bind_value(Query& q, const Value& v) {
  switch (v.type) {
    case SQLITE_INTEGER: q.bind(v.integer); break;
    case SQLITE_FLOAT: q.bind(v.real); break;
    case SQLITE_TEXT: q.bind(v.bytes); break;
    case SQLITE_BLOB: q.bind(Blob{v.bytes}); break;
    default: q.bind(nullptr); break;
  }
}

std::string insert_sql(const std::string& table, const std::vector<std::string>& columns, size_t rows) {
  std::string sql = "INSERT INTO " + quoted(table) + " (";
  for (size_t c = 0; c < columns.size(); ++c) sql += (c ? ", " : "") + quoted(columns[c]);
  sql += ") VALUES ";
  size_t param = 1;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (size_t c = 0; c < columns.size(); ++c) sql += (c ? ", ?" : "?") + std::to_string(param++);
    sql += ")";
  }
  return sql;
}

void insert_rows(PgConnection& to, const std::string& table, const std::vector<std::string>& columns,
                 const std::vector<Row>& rows) {
  if (rows.empty()) return;
  auto q = to.query(insert_sql(table, columns, rows.size()));
  for (const auto& row : rows)
    for (const auto& v : row) bind_value(q, v);
  q.exec();
}

int64_t copy_table(SqliteConnection& from, PgConnection& to, const std::string& table) {
  const auto columns = same_columns(from, to, table);
  std::string select = "SELECT ";
  for (size_t c = 0; c < columns.size(); ++c) select += (c ? ", " : "") + quoted(columns[c]);
  select += " FROM " + quoted(table);
  SQLite::Statement st(from.raw(), select);
  std::vector<Row> batch;
  int64_t copied = 0;
  while (st.executeStep()) {
    Row row;
    for (int c = 0; c < static_cast<int>(columns.size()); ++c) row.push_back(read_value(st, c));
    batch.push_back(std::move(row));
    if (batch.size() == kMaxRowsPerInsert) {
      insert_rows(to, table, columns, batch);
      copied += static_cast<int64_t>(batch.size());
      batch.clear();
    }
  }
  insert_rows(to, table, columns, batch);
  copied += static_cast<int64_t>(batch.size());
  auto count = to.query("SELECT count(*) FROM " + quoted(table));
  count.step();
  if (count.int64(0) != copied)
    throw std::runtime_error("table " + table + ": copied " + std::to_string(copied) + " rows but the target has " +
                             std::to_string(count.int64(0)));
  return copied;
}

}  // namespace

std::vector<CopiedTable> copy_sqlite_to_postgres(const std::filesystem::path& sqlite_path,
                                                 const std::string& postgres_url, int busy_timeout_ms) {
  if (!std::filesystem::exists(sqlite_path)) throw std::runtime_error("no SQLite shop at " + sqlite_path.string());
  SqliteConnection from(sqlite_path, SqliteConnection::Mode::ReadWrite, busy_timeout_ms);
  migrate(from);  // both at this binary's schema version
  PgConnection to(postgres_url);
  migrate(to);
  check_same_tables(from, to);

  std::vector<CopiedTable> copied;
  from.exec("BEGIN");  // one snapshot of the source
  to.exec("BEGIN");
  try {
    to.exec(kLockCopy);
    refuse_unless_empty(to);
    for (const char* table : kTables) copied.push_back(CopiedTable{table, copy_table(from, to, table)});
    to.exec(kSetInvoiceCounter);
    to.exec(kSetCreditNoteCounter);
    to.exec("COMMIT");
  } catch (...) {
    try { to.exec("ROLLBACK"); } catch (...) {}
    try { from.exec("ROLLBACK"); } catch (...) {}
    throw;
  }
  from.exec("COMMIT");
  return copied;
}

}  // namespace shopd::store
