// The outbox queue: every statement that touches `outbox` and `job_attempts`.
//
// A job is enqueued in the same transaction as the change that makes it
// necessary (the order, or its predecessor finishing). A worker claims due
// jobs with a lease (owner, token, locked_until); every later transition is
// guarded by the lease token, so a worker whose lease was taken over changes
// nothing. Functions that write must run inside the writer's transaction
// (they take a Tx); readers take any Connection.
//
// States and how a job leaves them: core/states.h (and schema.sql).
//
// Attempt accounting (SPEC section 4): `attempts` counts the attempts a
// provider answered, plus the one running. An attempt that reached no
// provider (JobError::Kind::Unreachable) is given back and counted in
// `unreachable_attempts` instead; `unreachable_since` is when the current run
// of such attempts began (cleared by the next answer). An attempt cut short
// (lease expired, process stopped) is given back and counts nowhere.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/states.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct Job {
  std::string id;
  std::string order_id;
  std::string kind;
  std::string job_key;  // the subject among the order's jobs of this kind ('' for the order's own)
  JobState state = JobState::Pending;
  int attempts = 0;               // answered attempts, and the running one
  int max_attempts = 0;
  int unreachable_attempts = 0;   // attempts that reached no provider
  std::optional<std::string> unreachable_since;
  std::string run_at;
  std::string payload;  // JSON text
  std::string lease_owner;
  std::string lease_token;
  std::string locked_until;
  std::string last_error;
  std::string created_at;
  std::string updated_at;
};

struct Attempt {
  std::string id;
  std::string job_id;
  int attempt = 0;
  std::string started_at;
  std::optional<std::string> finished_at;
  std::optional<int64_t> duration_ms;
  AttemptOutcome outcome = AttemptOutcome::Ok;
  std::optional<std::string> error_code;
  std::optional<std::string> error_message;
  std::optional<int64_t> provider_status;
  std::optional<std::string> body_excerpt;
  std::optional<std::string> error_where;
};

struct NewJob {
  std::string order_id;
  std::string_view kind;
  int max_attempts = 1;
  TimePoint run_at;
  std::string payload = "{}";  // JSON naming the subject ({"refund_id": ...})
  std::string id = {};         // empty: a new UUIDv7
  std::string key = {};        // the subject among jobs of one kind (a refund's id); '' for the order's own
  int priority = 0;            // claim order, lower first: the kind table's (outbox/job_kinds.h)
};

// Enqueues a job. An order has at most one job per kind and key, so
// enqueueing the same kind and key twice is a no-op that returns false:
// successors can be created by a transition that runs twice.
bool enqueue(Tx& tx, const NewJob& job, TimePoint now);

// Claims up to `limit` due jobs (pending or retrying, run_at <= now), by
// priority and then oldest first: state -> running, attempts + 1, a
// fresh lease token, locked_until = now + lease, and a job_attempts row for
// the attempt (numbered by every attempt made so far).
std::vector<Job> claim_due(Tx& tx, TimePoint now, int limit, const std::string& owner, int lease_seconds);

// How an attempt ended, for the job_attempts row.
struct AttemptEnd {
  TimePoint finished;
  int64_t duration_ms = 0;
  const JobError* error = nullptr;  // null when the attempt succeeded
};

// Lease-guarded transitions out of `running`. Each returns false (and writes
// nothing) when the job's lease token no longer matches: someone else owns it.
// An unreachable error gives the attempt back (see the accounting above).
bool mark_done(Tx& tx, const Job& job, const AttemptEnd& end);
bool mark_retrying(Tx& tx, const Job& job, const AttemptEnd& end, TimePoint run_at);
// Only the failure hook calls this (outbox/failure_hook.cpp).
bool mark_dead(Tx& tx, const Job& job, const AttemptEnd& end);
// The handler asked to run later (an alert held for a digest): the attempt is
// given back and leaves no job_attempts row.
bool defer(Tx& tx, const Job& job, TimePoint run_at, TimePoint now);

// A running job records progress that its next attempt must see (which alert
// channel already delivered). Lease-guarded like the transitions.
bool set_payload(Tx& tx, const Job& job, const std::string& payload_json);

// Running jobs nobody is working on: any expired lease, and at startup
// (`any_other_owner`) every job another process left running.
std::vector<Job> find_abandoned(Connection& db, TimePoint now, const std::string& my_owner, bool any_other_owner);
// An abandoned job goes back to retrying, due now; its open attempt is marked
// interrupted and given back (a crash never uses up an attempt).
bool requeue_abandoned(Tx& tx, const Job& job, TimePoint now);

// Keeps the jobs this process is executing leased: pushes locked_until
// forward for those (a JSON array of ids) whose lease is more than half used.
int extend_leases(Tx& tx, const std::string& owner, const std::string& job_ids_json, TimePoint now,
                  int lease_seconds);

// Graceful shutdown: every job this owner still runs goes back to be run
// again at once. The interrupted attempt does not count against max_attempts.
int release_owned(Tx& tx, const std::string& owner, TimePoint now);

// Owner actions (outbox/owner_actions.cpp). A dead job goes back to pending
// with its attempts reset, or becomes discarded. Each returns false when the
// job does not exist or is not dead.
bool retry_dead(Tx& tx, const std::string& job_id, int max_attempts, TimePoint now);
bool discard_dead(Tx& tx, const std::string& job_id, TimePoint now);
// An owner cancelled the order before its job ever started (pending, no
// attempt made, answered, unanswered or interrupted): it becomes discarded with `why` as its
// last error. False when the job has started meanwhile (nothing changes).
bool discard_unstarted(Tx& tx, const std::string& job_id, const std::string& why, TimePoint now);
// Ids of every dead job, optionally of one kind, oldest first.
std::vector<std::string> dead_job_ids(Connection& db, const std::optional<std::string>& kind);
// Replaces the one-line summary an owner sees for the job.
void set_last_error(Tx& tx, const std::string& job_id, const std::string& text, TimePoint now);

// Deletes the order's job of `kind` and `key` and its attempts, whatever its
// state: the step is waiting again, and the kind can be enqueued anew. Not
// for alerts. Returns the number of jobs deleted (0 or 1).
int forget_job(Tx& tx, const std::string& order_id, std::string_view kind, const std::string& key = "");

std::optional<Job> find_job(Connection& db, const std::string& job_id);
std::vector<Job> jobs_for_order(Connection& db, const std::string& order_id);
std::vector<Attempt> attempts_for_job(Connection& db, const std::string& job_id);
// Earliest run_at among pending and retrying jobs.
std::optional<TimePoint> next_due_at(Connection& db);
// Jobs newest first, optionally of one state, starting after the cursor id.
std::vector<Job> list_jobs(Connection& db, const std::optional<JobState>& state, int limit,
                           const std::optional<std::string>& after_id);
std::map<JobState, int64_t> count_jobs_by_state(Connection& db);
// run_at of the oldest job that is due and not running (for the age gauge).
std::optional<TimePoint> oldest_due_at(Connection& db, TimePoint now);

// The job that has waited longest past its run_at and is not running yet.
std::optional<Job> oldest_due_job(Connection& db, TimePoint now);

// A dead job with the name of the customer whose order it serves.
struct DeadJob {
  Job job;
  std::string customer_name;
};
// Dead jobs, newest first, optionally of one kind, starting after the cursor id.
std::vector<DeadJob> list_dead_jobs(Connection& db, const std::optional<std::string>& kind, int limit,
                                    const std::optional<std::string>& after_id);
int64_t count_dead_jobs(Connection& db, const std::optional<std::string>& kind);

// An attempt that failed (transient, unreachable or permanent), with the job it belongs to.
struct FailedAttempt {
  Attempt attempt;
  std::string kind;
  std::string order_id;
  JobState job_state = JobState::Pending;  // the job's state now
};
// The latest failed attempts, newest first.
std::vector<FailedAttempt> recent_failed_attempts(Connection& db, int limit);

// Retention: deletes up to `limit` done jobs (and their attempts) last
// updated before `before`, of orders that completed, or were cancelled or
// refunded. Returns how many.
int prune_done_jobs(Tx& tx, TimePoint before, int limit);

}  // namespace shopd::store
