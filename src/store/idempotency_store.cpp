#include "store/idempotency_store.h"

namespace shopd::store {

namespace {

constexpr const char* kFind =
    "SELECT request_hash, status_code, response_body, order_id FROM idempotency_keys "
    "WHERE key = ?1 AND created_at >= ?2";
constexpr const char* kRemember =
    "INSERT INTO idempotency_keys (key, request_hash, order_id, status_code, response_body, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, "
    "order_id = excluded.order_id, status_code = excluded.status_code, response_body = excluded.response_body, "
    "created_at = excluded.created_at";
// A transaction-scoped lock on the key (PostgreSQL's advisory locks, in a
// namespace of shopd's own); SQLite's single writer needs none.
constexpr Sql kTryLockKey{
    .sqlite = "SELECT ?1 IS NOT NULL",
    .postgres = "SELECT pg_try_advisory_xact_lock(1936682085, hashtext(?1))",
};
constexpr const char* kPrune =
    "DELETE FROM idempotency_keys WHERE key IN "
    "(SELECT key FROM idempotency_keys WHERE created_at < ?1 LIMIT ?2)";

}  // namespace

std::optional<StoredResponse> find_idempotency_key(Connection& db, const std::string& key, TimePoint not_before) {
  auto q = db.query(kFind);
  q.bind(key, format_iso(not_before));
  if (!q.step()) return std::nullopt;
  return StoredResponse{q.text(0), static_cast<int>(q.int64(1)), q.text(2), q.text(3)};
}

void remember_idempotency_key(Tx& tx, const std::string& key, const StoredResponse& r, TimePoint now) {
  std::optional<std::string> order;
  if (!r.order_id.empty()) order = r.order_id;
  tx.db.query(kRemember).bind(key, r.request_hash, order, r.status_code, r.body, format_iso(now)).exec();
}

bool try_lock_idempotency_key(Tx& tx, const std::string& key) {
  auto q = tx.db.query(kTryLockKey);
  q.bind(key);
  return q.step() && q.int64(0) == 1;
}

int prune_idempotency_keys(Tx& tx, TimePoint before, int limit) {
  return tx.db.query(kPrune).bind(format_iso(before), limit).exec();
}

}  // namespace shopd::store
