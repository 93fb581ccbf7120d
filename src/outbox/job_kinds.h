// Every job kind in ONE table (job_kinds.cpp): per kind, its name, its
// handler, its claim priority, what makes it due (what it waits for, with the
// "only when the provider answered" rule), the public step of GET /orders/{id}
// it reports as, and the dashboard's words for it. The job graph
// (pipeline.h: what follows a job on done and on dead, the order's first
// job), the worker's handler lookup, claim priorities, the public steps and
// the dashboard all read it, so they cannot disagree.
//
// Adding a kind touches four files (and its tests):
//   1. src/core/job_kind.h       its name, the stored spelling (config's
//                                [retry.<kind>] and the CLI know kinds by it)
//   2. src/outbox/job_kinds.cpp  its row in the table
//   3. src/jobs/handler.h        its handler's declaration
//   4. src/jobs/<kind>.cpp       its handler
// The database stores kinds as text without a CHECK, so the schema does not
// change; a unit test checks that the names and the table list the same kinds.
//
// Dependencies: core/ and store/ never include this (they must not see
// jobs/); the store gets a job's priority in store::NewJob from pipeline.h.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "jobs/handler.h"
#include "outbox/owner_actions.h"
#include "store/outbox_store.h"
#include "store/writer.h"

namespace shopd {

// How a predecessor ended, for a kind that waits for it.
enum class Ended {
  Done,
  // Dead after its provider answered. A job that died because its provider
  // could not be reached (JobError::Kind::Unreachable) does not count: a
  // payment that died unreachable may have been charged, so its stock stays
  // reserved and the customer is not told it failed (the team is alerted).
  DeadAnswered,
};

struct After {
  std::string_view kind;
  Ended ended;
};

// Where a job of the kind comes from.
enum class Start {
  OrderStored,  // enqueued with the order, in the intake transaction: the order's first job
  After,        // enqueued in the transaction that ends a predecessor (JobKind::after)
  ByCode,       // enqueued by the code named in JobKind::started_by (an owner's action, the failure hook)
};

// More that happens, in the same transaction, when a job of the kind is done
// or dies (outbox/after_sale.h): a charge that succeeds after its order was
// cancelled is refunded; a refund whose job died is failed.
using AfterJobEnded = void (*)(store::Tx& tx, const store::Job& job, const Config& config, TimePoint now);
// What an owner's retry of a dead job of the kind must do first, or why it
// cannot be retried (a payment takes its stock back; a refund must still fit
// in what is left to refund).
using BeforeOwnerRetry = std::optional<OwnerActionError> (*)(store::Tx& tx, const store::Job& job,
                                                             const Config& config, TimePoint now);

// The public step of GET /orders/{id} a kind reports as. A step shows the
// job of its highest-ranked kind that exists: an order whose payment failed
// shows inventory.release (rank 1) rather than inventory.commit (rank 0).
struct PublicStep {
  std::string_view name;  // "payment", "inventory", "invoice", "email"; empty: reports as none
  int rank = 0;
};

struct JobKind {
  std::string_view name;  // core/job_kind.h
  JobHandler handler;
  // Which due job runs first when the worker has fewer free slots than due
  // jobs (lower first): later steps of the pipeline first, so that orders
  // already paid get their invoice and email while a backlog of slow payments
  // waits (finish work in progress before starting new work).
  int priority;
  Start start;
  std::vector<After> after = {};     // Start::After: each predecessor's end that makes it due
  std::string_view started_by = {};  // Start::ByCode: who enqueues it (an After kind may name code that also does)
  PublicStep step = {};              // none unless given
  std::string_view what_it_does = {};  // the dashboard's words: "Charge the payment"
  AfterJobEnded after_done = nullptr;
  AfterJobEnded after_dead = nullptr;
  BeforeOwnerRetry before_owner_retry = nullptr;
  // Pointless once an owner cancelled the order (the confirmation of an
  // order the customer was told is cancelled): the worker marks such a job
  // done without running it, and its death no longer needs attention.
  bool moot_once_cancelled = false;
};

// The table, in pipeline order.
const std::vector<JobKind>& job_kinds();
// The kind's row; nullptr for an unknown kind (a row written by a newer shopd).
const JobKind* find_job_kind(std::string_view name);
// The handler for a kind; nullptr for an unknown kind.
JobHandler handler_for(std::string_view kind);
// The claim priority of a kind (an unknown kind runs last).
int job_priority(std::string_view kind);

}  // namespace shopd
