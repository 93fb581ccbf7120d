#include "store/session_store.h"

namespace shopd::store {

namespace {

constexpr const char* kCreateSession =
    "INSERT INTO admin_sessions (id_hash, created_at, last_seen_at) VALUES (?1, ?2, ?2)";
constexpr const char* kFindSession = "SELECT id_hash, created_at, last_seen_at FROM admin_sessions WHERE id_hash = ?1";
constexpr const char* kTouchSession = "UPDATE admin_sessions SET last_seen_at = ?2 WHERE id_hash = ?1";
constexpr const char* kDeleteSession = "DELETE FROM admin_sessions WHERE id_hash = ?1";
constexpr const char* kDeleteExpired = "DELETE FROM admin_sessions WHERE last_seen_at < ?1 OR created_at < ?2";

}  // namespace

void create_session(Tx& tx, const std::string& id_hash, TimePoint now) {
  tx.db.query(kCreateSession).bind(id_hash, format_iso(now)).exec();
}

std::optional<AdminSession> find_session(Connection& db, const std::string& id_hash) {
  auto q = db.query(kFindSession);
  q.bind(id_hash);
  if (!q.step()) return std::nullopt;
  return AdminSession{q.text(0), q.text(1), q.text(2)};
}

void touch_session(Tx& tx, const std::string& id_hash, TimePoint now) {
  tx.db.query(kTouchSession).bind(id_hash, format_iso(now)).exec();
}

void delete_session(Tx& tx, const std::string& id_hash) { tx.db.query(kDeleteSession).bind(id_hash).exec(); }

int delete_expired_sessions(Tx& tx, TimePoint idle_before, TimePoint created_before) {
  return tx.db.query(kDeleteExpired).bind(format_iso(idle_before), format_iso(created_before)).exec();
}

}  // namespace shopd::store
