#include "store/idempotency_store.h"

namespace shopd::store {

namespace {

constexpr const char* kFind =
    "SELECT request_hash, status_code, response_body, order_id FROM idempotency_keys "
    "WHERE key = ?1 AND created_at >= ?2";
constexpr const char* kRemember =
    "INSERT OR REPLACE INTO idempotency_keys (key, request_hash, order_id, status_code, response_body, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
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

int prune_idempotency_keys(Tx& tx, TimePoint before, int limit) {
  return tx.db.query(kPrune).bind(format_iso(before), limit).exec();
}

}  // namespace shopd::store
