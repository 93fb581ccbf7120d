// The job graph of SPEC section 4, read from the kind table
// (outbox/job_kinds.cpp): an order's first jobs, what follows a job when it
// is done or dead, the public steps of GET /orders/{id}, and the one place
// that changes an order's status.
//
// Successors are enqueued in the transaction that ends their predecessor,
// with the predecessor's key and payload: the credit note that follows a
// refund is about that refund.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "core/states.h"
#include "core/time.h"
#include "outbox/job_kinds.h"
#include "store/outbox_store.h"
#include "store/writer.h"

namespace shopd {

// The kinds that wait for `kind` to end that way.
std::vector<std::string_view> successors_on_done(std::string_view kind);
// `provider_answered`: false when the job died because its provider could not
// be reached (JobError::Kind::Unreachable).
std::vector<std::string_view> successors_on_dead(std::string_view kind, bool provider_answered);

// A job of `kind` for the order, due at `now`, with its configured
// max_attempts and the table's priority (order_id left empty for
// store::create_order to fill in).
store::NewJob new_job(const std::string& order_id, std::string_view kind, const Config& config, TimePoint now,
                      std::string key = "", std::string payload = "{}");
// The jobs intake enqueues with a new order (store::CreateOrder::first_jobs).
std::vector<store::NewJob> first_jobs(const Config& config, TimePoint now);

// Enqueues each kind for the order, due now, with key '' (the order's own jobs).
// REQUIRES: inside the writer's transaction.
void enqueue_kinds(store::Tx& tx, const std::string& order_id, const std::vector<std::string_view>& kinds,
                   const Config& config, TimePoint now);
// Enqueues the kinds that follow `job` having ended this way, keyed and
// carrying the payload as `job` does. Idempotent (one job per kind and key).
// REQUIRES: inside the writer's transaction.
void enqueue_successors(store::Tx& tx, const store::Job& job, std::vector<std::string_view> kinds,
                        const Config& config, TimePoint now);

// The public steps of GET /orders/{id}, in order ("payment", "inventory",
// "invoice", "email"), each with the job it shows (the one of its
// highest-ranked kind that exists, key '' only; null when none) and its state.
struct PublicStepView {
  std::string_view name;
  const store::Job* job = nullptr;
  StepState state = StepState::Waiting;
};
std::vector<PublicStepView> public_steps(const Order& order, const std::vector<store::Job>& jobs);
const std::vector<std::string_view>& public_step_names();

// An order's status moved.
struct StatusChange {
  OrderStatus from;
  OrderStatus to;
};

// Recomputes orders.status from the order's jobs and facts
// (derive_order_status) and stores it. Every change of an order's status goes
// through here, with the old and the new status known, so that what follows a
// change (order events to other systems, SPEC section 10) is enqueued here,
// in the same transaction. Returns the change, or nullopt when the status
// stayed (or there is no such order).
// REQUIRES: inside the writer's transaction.
std::optional<StatusChange> refresh_order_status(store::Tx& tx, const std::string& order_id, TimePoint now);

}  // namespace shopd
