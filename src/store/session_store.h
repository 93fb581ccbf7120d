// Dashboard sessions (table admin_sessions). Rows are keyed by the SHA-256 of
// the session id, never the id itself; callers hash (dashboard/session.h).
// Whether a session is still valid is the caller's decision (times in, no
// clock here). Writes take a Tx (the writer's transaction); reads any Connection.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct AdminSession {
  std::string id_hash;
  std::string created_at;
  std::string last_seen_at;
};

void create_session(Tx& tx, const std::string& id_hash, TimePoint now);
std::optional<AdminSession> find_session(Connection& db, const std::string& id_hash);
// Sets last_seen_at = now. Idempotent; a deleted session stays deleted.
void touch_session(Tx& tx, const std::string& id_hash, TimePoint now);
// Sign-out. Idempotent.
void delete_session(Tx& tx, const std::string& id_hash);
// Deletes sessions idle since before `idle_before` or created before
// `created_before`. Returns how many.
int delete_expired_sessions(Tx& tx, TimePoint idle_before, TimePoint created_before);

}  // namespace shopd::store
