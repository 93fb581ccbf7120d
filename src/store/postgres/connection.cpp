#include "store/postgres/connection.h"

#include <libpq-fe.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace shopd::store {

namespace {

constexpr Oid kByteaOid = 17;
constexpr const char* kConnectionBroken = "08006";

void ignore_notice(void*, const char*) {}

std::string error_text(PGconn* conn) {
  std::string text = conn ? PQerrorMessage(conn) : "out of memory";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Throws DatabaseError unless the result is a success.
void check(PGconn* conn, PGresult* res, const char* what) {
  const ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string message = res ? PQresultErrorMessage(res) : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.empty()) message = error_text(conn);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  if (sqlstate.empty() && PQstatus(conn) != CONNECTION_OK) sqlstate = kConnectionBroken;
  if (res) PQclear(res);
  throw DatabaseError(std::string(what) + ": " + message, sqlstate);
}

class PgStatement final : public Statement {
 public:
  PgStatement(PGconn* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  ~PgStatement() override { clear_result(); }

  void bind_null(int i) override { param(i) = Param{}; }
  void bind_int64(int i, int64_t v) override { param(i) = Param{std::to_string(v), {}, false, true}; }
  void bind_double(int i, double v) override {
    char buf[64];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // shortest text that reads back the same
    param(i) = Param{std::string(buf, end), {}, false, true};
  }
  void bind_text(int i, std::string_view v) override { param(i) = Param{std::string(v), {}, false, true}; }
  void bind_blob(int i, std::string_view v) override { param(i) = Param{{}, v, true, true}; }

  bool step() override {
    if (!res_) execute();
    ++row_;
    return row_ < PQntuples(res_);
  }

  int64_t exec() override {
    execute();
    const char* n = PQcmdTuples(res_);
    return n && *n ? std::strtoll(n, nullptr, 10) : 0;
  }

  bool is_null(int col) const override { return PQgetisnull(res_, row_, col) != 0; }
  std::string text(int col) const override {
    if (is_null(col)) return {};
    return std::string(PQgetvalue(res_, row_, col), static_cast<size_t>(PQgetlength(res_, row_, col)));
  }
  int64_t int64(int col) const override {
    if (is_null(col)) return 0;
    const char* v = PQgetvalue(res_, row_, col);
    if (v[0] == 't' && v[1] == '\0') return 1;  // boolean
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return std::strtoll(v, nullptr, 10);
  }
  double real(int col) const override { return is_null(col) ? 0.0 : std::strtod(PQgetvalue(res_, row_, col), nullptr); }
  std::string blob(int col) const override {
    if (PQftype(res_, col) != kByteaOid) return text(col);
    size_t length = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, col)), &length);
    if (!bytes) throw DatabaseError("cannot decode a bytea value", "");
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
  }

  void reset() override {
    clear_result();
    params_.clear();
  }

 private:
  struct Param {
    std::string text;
    std::string_view binary;  // a Blob's bytes, not copied
    bool is_binary = false;
    bool present = false;     // false: NULL
  };

  Param& param(int index) {
    if (index > static_cast<int>(params_.size())) params_.resize(static_cast<size_t>(index));
    return params_[static_cast<size_t>(index - 1)];
  }

  void clear_result() {
    if (res_) PQclear(res_);
    res_ = nullptr;
    row_ = -1;
  }

  void execute() {
    clear_result();
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const auto& p : params_) {
      values.push_back(!p.present ? nullptr : p.is_binary ? p.binary.data() : p.text.c_str());
      lengths.push_back(p.is_binary ? static_cast<int>(p.binary.size()) : 0);
      formats.push_back(p.is_binary ? 1 : 0);
    }
    PGresult* res = PQexecPrepared(conn_, name_.c_str(), static_cast<int>(values.size()), values.data(),
                                   lengths.data(), formats.data(), 0);
    check(conn_, res, "statement failed");
    res_ = res;
  }

  PGconn* conn_;
  std::string name_;
  std::vector<Param> params_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

}  // namespace

PgConnection::PgConnection(const std::string& url) {
  // The URL's own settings win over these fallbacks (later keywords of an
  // expanded dbname override earlier ones).
  const char* keys[] = {"fallback_application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"shopd", "10", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = error_text(conn_);
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw DatabaseError("cannot connect to PostgreSQL (" + redact_database_url(url) + "): " + message,
                        kConnectionBroken);
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

PgConnection::~PgConnection() {
  cache_.clear();
  if (conn_) PQfinish(conn_);
}

void PgConnection::exec(const char* sql) {
  PGresult* res = PQexec(conn_, sql);
  check(conn_, res, "statement failed");
  PQclear(res);
}

bool PgConnection::usable() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

Statement& PgConnection::prepare(std::string_view sql) {
  const std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return *it->second;
  const std::string name = "s" + std::to_string(cache_.size() + 1);
  PGresult* res = PQprepare(conn_, name.c_str(), to_postgres_placeholders(sql).c_str(), 0, nullptr);
  check(conn_, res, ("cannot prepare \"" + key.substr(0, 80) + "\"").c_str());
  PQclear(res);
  return *cache_.emplace(key, std::make_unique<PgStatement>(conn_, name)).first->second;
}

int PgConnection::socket() const { return PQsocket(conn_); }

std::vector<std::string> PgConnection::take_notifications() {
  if (!PQconsumeInput(conn_)) throw DatabaseError("listening failed: " + error_text(conn_), kConnectionBroken);
  std::vector<std::string> out;
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

std::string to_postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or a quoted name, copied whole ('' and "" escape themselves)
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // a comment, to the end of the line
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      size_t j = i + 1;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
      if (j == i + 1) throw std::logic_error("unnumbered parameter in SQL: " + std::string(sql));
      out.push_back('$');
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool is_retryable_sqlstate(const std::string& sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

bool is_storage_sqlstate(const std::string& sqlstate) {
  const auto has_class = [&](const char* c) { return sqlstate.rfind(c, 0) == 0; };
  return has_class("08") || has_class("53") || sqlstate == "25006" || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03" || sqlstate == "58030";
}

std::string redact_database_url(const std::string& url) {
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = url.find('@', start);
    const size_t slash = url.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = url.find(':', start);
      if (colon != std::string::npos && colon < at) return url.substr(0, colon + 1) + "***" + url.substr(at);
    }
  }
  // key=value form, or a password=... query parameter
  for (const char* key : {"password=", "password ="}) {
    const size_t p = url.find(key);
    if (p != std::string::npos) {
      const size_t value = p + std::string_view(key).size();
      size_t end = url.find_first_of(" &", value);
      if (end == std::string::npos) end = url.size();
      return url.substr(0, value) + "***" + url.substr(end);
    }
  }
  return url;
}

}  // namespace shopd::store
