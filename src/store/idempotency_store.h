// Idempotency-Key records for POST /orders: the first successful answer,
// replayed when the same key comes back with the same body within 24 hours.
// Failed requests store nothing, so a client may fix its input and retry
// with the same key.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

inline constexpr auto kIdempotencyKeyLifetime = std::chrono::hours(24);

struct StoredResponse {
  std::string request_hash;
  int status_code = 0;
  std::string body;
  std::string order_id;
};

// The live record for `key` (created at or after `not_before`), if any.
std::optional<StoredResponse> find_idempotency_key(Connection& db, const std::string& key, TimePoint not_before);

// Claims the key for this transaction, so that one request at a time (in
// every process sharing the database) looks it up and answers it. False when
// another transaction holds it: that request is still in flight (409). The
// claim ends with the transaction. A hash collision between two keys makes
// the later one wait its turn (a 409 its client retries), never mixes them up.
bool try_lock_idempotency_key(Tx& tx, const std::string& key);

// Stores the answer; an expired record with the same key is replaced.
void remember_idempotency_key(Tx& tx, const std::string& key, const StoredResponse& response, TimePoint now);

// Retention: deletes up to `limit` records created before `before`.
int prune_idempotency_keys(Tx& tx, TimePoint before, int limit);

}  // namespace shopd::store
