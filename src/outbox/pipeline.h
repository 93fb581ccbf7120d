// The job graph of SPEC section 4, in one table:
//
//   payment.charge   --done--> inventory.commit, invoice.generate
//   invoice.generate --done--> email.confirmation
//   payment.charge   --dead--> inventory.release, email.payment_failed
//                              (only when the provider answered: a payment
//                              that died unreachable may have been charged,
//                              so its stock stays reserved and the customer
//                              is not told it failed; the team is alerted)
//   any job but alert.team --dead--> alert.team (enqueued by the failure hook)
//
// Successors are enqueued in the transaction that ends their predecessor.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/time.h"
#include "store/writer.h"

namespace shopd {

std::vector<std::string_view> successors_on_done(std::string_view kind);
// `provider_answered`: false when the job died because its provider could not
// be reached (JobError::Kind::Unreachable).
std::vector<std::string_view> successors_on_dead(std::string_view kind, bool provider_answered);

// The four steps GET /orders/{id} shows, and the job kinds behind each: the
// first kind on the happy path, the second after a failed payment.
struct Step {
  std::string_view name;
  std::string_view kind;
  std::string_view failure_kind;  // empty when the step has none
};
const std::vector<Step>& order_steps();

// Enqueues each kind for the order, due now, with its configured max_attempts.
// REQUIRES: inside the writer's transaction.
void enqueue_kinds(store::Tx& tx, const std::string& order_id, const std::vector<std::string_view>& kinds,
                   const Config& config, TimePoint now);

// Recomputes orders.status from the order's jobs (derive_order_status).
// REQUIRES: inside the writer's transaction.
void refresh_order_status(store::Tx& tx, const std::string& order_id, TimePoint now);

}  // namespace shopd
