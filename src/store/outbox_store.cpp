#include "store/outbox_store.h"

#include "core/uuid7.h"

#include <stdexcept>

namespace shopd::store {

namespace {

#define JOB_COLUMNS                                                                              \
  "id, order_id, kind, state, attempts, max_attempts, run_at, payload, lease_owner, lease_token, " \
  "locked_until, last_error, created_at, updated_at, unreachable_attempts, unreachable_since, job_key"
constexpr int kJobColumnCount = 17;  // the columns above, which read_job reads

constexpr const char* kEnqueue =
    "INSERT INTO outbox (id, order_id, kind, job_key, state, priority, attempts, max_attempts, run_at, payload, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?9, 'pending', ?8, 0, ?4, ?5, ?6, ?7, ?7) "
    "ON CONFLICT (order_id, kind, job_key) DO NOTHING";

// One statement claims a batch: goqite's "update ... where id = (select ...)
// returning". The lease token is unique per claim call and job. INDEXED BY
// (here and below) pins the small partial indexes of waiting jobs: without
// statistics the planner would rather sort every waiting job on each claim.
// On PostgreSQL several nodes claim at once: FOR UPDATE SKIP LOCKED makes
// each take jobs no other transaction is taking (River's and Oban's claim),
// in a CTE so that the LIMIT is applied once.
constexpr Sql kClaimDue{
    .sqlite =
        "UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_owner = ?1, lease_token = ?2 || id, "
        "locked_until = ?3, updated_at = ?4 "
        "WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due WHERE state IN ('pending', 'retrying') "
        "             AND run_at <= ?4 ORDER BY priority, run_at LIMIT ?5) "
        "RETURNING " JOB_COLUMNS,
    .postgres =
        "WITH due AS (SELECT id AS due_id FROM outbox WHERE state IN ('pending', 'retrying') AND run_at <= ?4 "
        "             ORDER BY priority, run_at LIMIT ?5 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_owner = ?1, lease_token = ?2 || id, "
        "locked_until = ?3, updated_at = ?4 FROM due WHERE id = due.due_id "
        "RETURNING " JOB_COLUMNS,
};

// An attempt is written once, when it ended. A job whose first attempt
// succeeded gets no row: the job row holds all there is to say (done,
// attempts 1, updated_at); with earlier attempts on record, the success is
// recorded too, so the history reads to its end.
#define RECORD_ATTEMPT_COLUMNS \
  "(id, job_id, attempt, started_at, finished_at, duration_ms, outcome, error_code, error_message, " \
  "provider_status, body_excerpt, error_where)"
constexpr const char* kRecordAttempt =
    "INSERT INTO job_attempts " RECORD_ATTEMPT_COLUMNS " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
// PostgreSQL types the parameters of a SELECT list only when told.
constexpr Sql kRecordSuccessAfterHistory{
    .sqlite = "INSERT INTO job_attempts " RECORD_ATTEMPT_COLUMNS
              " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
              "WHERE EXISTS (SELECT 1 FROM job_attempts WHERE job_id = ?2)",
    .postgres = "INSERT INTO job_attempts " RECORD_ATTEMPT_COLUMNS
                " SELECT ?1::text, ?2::text, ?3::bigint, ?4::text, ?5::text, ?6::bigint, ?7::text, ?8::text, "
                "?9::text, ?10::bigint, ?11::text, ?12::text "
                "WHERE EXISTS (SELECT 1 FROM job_attempts WHERE job_id = ?2::text)",
};
#undef RECORD_ATTEMPT_COLUMNS
constexpr const char* kCloseLegacyRunningAttempt =
    "UPDATE job_attempts SET finished_at = ?2, outcome = 'interrupted', error_code = 'interrupted', "
    "error_message = ?3 WHERE job_id = ?1 AND outcome = 'running'";

// ?3 = 1 when the attempt reached no provider: it is given back
// (attempts - 1) and counted apart; any answer ends the unreachable run.
#define ATTEMPT_ACCOUNTING                                                                      \
  "attempts = attempts - ?3, unreachable_attempts = unreachable_attempts + ?3, "            \
  "unreachable_since = CASE WHEN ?3 = 1 THEN coalesce(unreachable_since, ?4) ELSE NULL END, " \
  "lease_owner = NULL, lease_token = NULL, locked_until = NULL, updated_at = ?4"

constexpr const char* kMarkDone =
    "UPDATE outbox SET state = 'done', " ATTEMPT_ACCOUNTING " "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";

constexpr const char* kMarkRetrying =
    "UPDATE outbox SET state = 'retrying', run_at = ?5, last_error = ?6, " ATTEMPT_ACCOUNTING " "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";

constexpr const char* kMarkDead =
    "UPDATE outbox SET state = 'dead', last_error = ?5, " ATTEMPT_ACCOUNTING " "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";

#undef ATTEMPT_ACCOUNTING

constexpr const char* kDefer =
    "UPDATE outbox SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END, attempts = attempts - 1, "
    "run_at = ?3, lease_owner = NULL, lease_token = NULL, locked_until = NULL, updated_at = ?4 "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";

constexpr const char* kSetPayload =
    "UPDATE outbox SET payload = ?3 WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";

constexpr Sql kFindAbandoned{
    .sqlite = "SELECT " JOB_COLUMNS " FROM outbox WHERE state = 'running' "
              "AND ((?2 AND lease_owner IS NOT ?1) OR locked_until <= ?3)",
    .postgres = "SELECT " JOB_COLUMNS " FROM outbox WHERE state = 'running' "
                "AND ((?2::bigint = 1 AND lease_owner IS DISTINCT FROM ?1::text) OR locked_until <= ?3)",
};

#define REQUEUE_ABANDONED(MAX)                                                                       \
  "UPDATE outbox SET state = 'retrying', attempts = " MAX "(attempts - 1, 0), run_at = ?3, lease_owner = NULL, " \
  "lease_token = NULL, locked_until = NULL, last_error = 'interrupted: the process running it stopped', "        \
  "updated_at = ?3 WHERE id = ?1 AND lease_token = ?2 AND state = 'running'"
constexpr Sql kRequeueAbandoned{.sqlite = REQUEUE_ABANDONED("max"), .postgres = REQUEUE_ABANDONED("greatest")};
#undef REQUEUE_ABANDONED


constexpr Sql kExtendLeases{
    .sqlite = "UPDATE outbox SET locked_until = ?4 WHERE state = 'running' AND lease_owner = ?1 "
              "AND id IN (SELECT value FROM json_each(?2)) AND locked_until < ?3",
    .postgres = "UPDATE outbox SET locked_until = ?4 WHERE state = 'running' AND lease_owner = ?1 "
                "AND id IN (SELECT jsonb_array_elements_text(?2::jsonb)) AND locked_until < ?3",
};


constexpr const char* kOwnedRunning = "SELECT " JOB_COLUMNS " FROM outbox WHERE state = 'running' AND lease_owner = ?1";

constexpr const char* kReleaseOwned =
    "UPDATE outbox SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END, "
    "attempts = attempts - 1, run_at = ?2, lease_owner = NULL, lease_token = NULL, locked_until = NULL, "
    "updated_at = ?2 WHERE state = 'running' AND lease_owner = ?1";

constexpr const char* kRetryDead =
    "UPDATE outbox SET state = 'pending', attempts = 0, unreachable_attempts = 0, unreachable_since = NULL, "
    "max_attempts = ?2, run_at = ?3, updated_at = ?3 WHERE id = ?1 AND state = 'dead'";

constexpr const char* kDiscardDead =
    "UPDATE outbox SET state = 'discarded', updated_at = ?2 WHERE id = ?1 AND state = 'dead'";

constexpr Sql kDeadJobIds{
    .sqlite = "SELECT id FROM outbox WHERE state = 'dead' AND (?1 IS NULL OR kind = ?1) ORDER BY id",
    .postgres = "SELECT id FROM outbox WHERE state = 'dead' AND (?1::text IS NULL OR kind = ?1) ORDER BY id",
};

constexpr const char* kDiscardUnstarted =
    "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3 "
    "WHERE id = ?1 AND state = 'pending' AND attempts = 0 AND unreachable_attempts = 0 "
    "AND NOT EXISTS (SELECT 1 FROM job_attempts a WHERE a.job_id = ?1)";

constexpr const char* kSetLastError = "UPDATE outbox SET last_error = ?2, updated_at = ?3 WHERE id = ?1";

constexpr const char* kForgetJob = "DELETE FROM outbox WHERE order_id = ?1 AND kind = ?2 AND job_key = ?3";

constexpr const char* kFindJob = "SELECT " JOB_COLUMNS " FROM outbox WHERE id = ?1";
constexpr const char* kJobsForOrder = "SELECT " JOB_COLUMNS " FROM outbox WHERE order_id = ?1 ORDER BY id";
constexpr const char* kAttemptsForJob =
    "SELECT id, job_id, attempt, started_at, finished_at, duration_ms, outcome, error_code, error_message, "
    "provider_status, body_excerpt, error_where FROM job_attempts WHERE job_id = ?1 ORDER BY started_at, id";
constexpr Sql kNextDueAt{
    .sqlite = "SELECT min(run_at) FROM outbox INDEXED BY outbox_next_due WHERE state IN ('pending', 'retrying')",
    .postgres = "SELECT min(run_at) FROM outbox WHERE state IN ('pending', 'retrying')",
};
constexpr Sql kListJobs{
    .sqlite = "SELECT " JOB_COLUMNS " FROM outbox WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR id < ?2) "
              "ORDER BY id DESC LIMIT ?3",
    .postgres = "SELECT " JOB_COLUMNS " FROM outbox WHERE (?1::text IS NULL OR state = ?1) "
                "AND (?2::text IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
};
constexpr const char* kCountByState = "SELECT state, count(*) FROM outbox GROUP BY state";
constexpr Sql kOldestDue{
    .sqlite = "SELECT min(run_at) FROM outbox INDEXED BY outbox_next_due WHERE state IN ('pending', 'retrying') "
              "AND run_at <= ?1",
    .postgres = "SELECT min(run_at) FROM outbox WHERE state IN ('pending', 'retrying') AND run_at <= ?1",
};
constexpr const char* kPruneDone =
    "DELETE FROM outbox WHERE id IN (SELECT j.id FROM outbox j JOIN orders o ON o.id = j.order_id "
    "WHERE j.state = 'done' AND j.updated_at < ?1 AND o.status IN ('completed', 'cancelled', 'refunded') LIMIT ?2)";

constexpr Sql kOldestDueJob{
    .sqlite = "SELECT " JOB_COLUMNS " FROM outbox INDEXED BY outbox_next_due WHERE state IN ('pending', 'retrying') "
              "AND run_at <= ?1 ORDER BY run_at LIMIT 1",
    .postgres = "SELECT " JOB_COLUMNS " FROM outbox WHERE state IN ('pending', 'retrying') "
                "AND run_at <= ?1 ORDER BY run_at LIMIT 1",
};
// The customer's name follows the job's columns (column kJobColumnCount).
constexpr Sql kListDeadJobs{
    .sqlite = "SELECT " JOB_COLUMNS ", (SELECT o.customer_name FROM orders o WHERE o.id = outbox.order_id) FROM outbox "
              "WHERE state = 'dead' AND (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
    .postgres = "SELECT " JOB_COLUMNS ", (SELECT o.customer_name FROM orders o WHERE o.id = outbox.order_id) FROM outbox "
                "WHERE state = 'dead' AND (?1::text IS NULL OR kind = ?1) AND (?2::text IS NULL OR id < ?2) "
                "ORDER BY id DESC LIMIT ?3",
};
constexpr Sql kCountDeadJobs{
    .sqlite = "SELECT count(*) FROM outbox WHERE state = 'dead' AND (?1 IS NULL OR kind = ?1)",
    .postgres = "SELECT count(*) FROM outbox WHERE state = 'dead' AND (?1::text IS NULL OR kind = ?1)",
};
// job_attempts_failed holds only failed attempts, newest last.
#define FAILURE_COLUMNS                                                                                   \
  "SELECT a.id, a.job_id, a.attempt, a.started_at, a.finished_at, a.duration_ms, a.outcome, a.error_code, " \
  "a.error_message, a.provider_status, a.body_excerpt, a.error_where, j.kind, j.order_id, j.state "
constexpr Sql kRecentFailures{
    .sqlite = FAILURE_COLUMNS "FROM job_attempts a INDEXED BY job_attempts_failed JOIN outbox j ON j.id = a.job_id "
                              "WHERE a.outcome IN ('transient', 'unreachable', 'permanent') "
                              "ORDER BY a.started_at DESC LIMIT ?1",
    .postgres = FAILURE_COLUMNS "FROM job_attempts a JOIN outbox j ON j.id = a.job_id "
                                "WHERE a.outcome IN ('transient', 'unreachable', 'permanent') "
                                "ORDER BY a.started_at DESC LIMIT ?1",
};
#undef FAILURE_COLUMNS

#undef JOB_COLUMNS

JobState read_state(const std::string& text) {
  const auto state = parse_job_state(text);
  // The schema's CHECK constraint allows only known names.
  if (!state) throw std::runtime_error("outbox row with unknown state \"" + text + "\"");
  return *state;
}

Job read_job(const Query& q) {
  Job j;
  j.id = q.text(0);
  j.order_id = q.text(1);
  j.kind = q.text(2);
  j.state = read_state(q.text(3));
  j.attempts = static_cast<int>(q.int64(4));
  j.max_attempts = static_cast<int>(q.int64(5));
  j.run_at = q.text(6);
  j.payload = q.text(7);
  j.lease_owner = q.text(8);
  j.lease_token = q.text(9);
  j.locked_until = q.text(10);
  j.last_error = q.text(11);
  j.created_at = q.text(12);
  j.updated_at = q.text(13);
  j.unreachable_attempts = static_cast<int>(q.int64(14));
  j.unreachable_since = q.opt_text(15);
  j.job_key = q.text(16);
  return j;
}

// The attempt columns in kAttemptsForJob's order, from column 0.
Attempt read_attempt(const Query& q) {
  Attempt a;
  a.id = q.text(0);
  a.job_id = q.text(1);
  a.attempt = static_cast<int>(q.int64(2));
  a.started_at = q.text(3);
  a.finished_at = q.opt_text(4);
  a.duration_ms = q.opt_int64(5);
  const auto outcome = parse_attempt_outcome(q.text(6));
  // The schema's CHECK constraint allows only known names.
  if (!outcome) throw std::runtime_error("attempt row with unknown outcome \"" + q.text(6) + "\"");
  a.outcome = *outcome;
  a.error_code = q.opt_text(7);
  a.error_message = q.opt_text(8);
  a.provider_status = q.opt_int64(9);
  a.body_excerpt = q.opt_text(10);
  a.error_where = q.opt_text(11);
  return a;
}

std::vector<Job> read_jobs(Query& q) {
  std::vector<Job> out;
  while (q.step()) out.push_back(read_job(q));
  return out;
}

AttemptOutcome outcome_of(const JobError* error) {
  if (!error) return AttemptOutcome::Ok;
  switch (error->kind) {
    case JobError::Kind::Permanent: return AttemptOutcome::Permanent;
    case JobError::Kind::Unreachable: return AttemptOutcome::Unreachable;
    case JobError::Kind::Transient: return AttemptOutcome::Transient;
  }
  return AttemptOutcome::Transient;
}

int unreachable(const AttemptEnd& end) { return end.error && end.error->is_unreachable() ? 1 : 0; }

// "card_declined: Your card was declined." — the one-line summary kept on the job.
std::optional<std::string> summary(const JobError* error) {
  if (!error) return std::nullopt;
  return error->code + ": " + error->message;
}

// The attempt number: every attempt the job made, answered or not.
int attempt_number(const Job& job) { return job.attempts + job.unreachable_attempts; }

void record_attempt(Tx& tx, const Job& job, const AttemptEnd& end) {
  const JobError* e = end.error;
  auto q = e ? tx.db.query(kRecordAttempt) : tx.db.query(kRecordSuccessAfterHistory);
  q.bind(new_uuid7(), job.id, attempt_number(job), job.updated_at, format_iso(end.finished), end.duration_ms,
         to_string(outcome_of(e)), e ? std::optional<std::string>(e->code) : std::nullopt,
         e ? std::optional<std::string>(e->message) : std::nullopt,
         e && e->provider_status ? std::optional<int64_t>(e->provider_status) : std::nullopt,
         e && !e->body_excerpt.empty() ? std::optional<std::string>(e->body_excerpt) : std::nullopt,
         e ? std::optional<std::string>(e->where) : std::nullopt);
  q.exec();
}

void record_interrupted(Tx& tx, const Job& job, TimePoint now, const char* why) {
  // A shopd from before attempts were written at their end left a 'running' row: close that one.
  if (tx.db.query(kCloseLegacyRunningAttempt).bind(job.id, format_iso(now), why).exec() > 0) return;
  tx.db.query(kRecordAttempt)
      .bind(new_uuid7(), job.id, attempt_number(job), job.updated_at, format_iso(now), nullptr,
            to_string(AttemptOutcome::Interrupted), "interrupted", why, nullptr, nullptr, nullptr)
      .exec();
}


}  // namespace

bool enqueue(Tx& tx, const NewJob& job, TimePoint now) {
  auto q = tx.db.query(kEnqueue);
  q.bind(job.id.empty() ? new_uuid7() : job.id, job.order_id, job.kind, job.max_attempts, format_iso(job.run_at),
         job.payload, format_iso(now), job.priority, job.key);
  const bool inserted = q.exec() == 1;
  if (inserted) tx.note_jobs_enqueued();
  return inserted;
}

std::vector<Job> claim_due(Tx& tx, TimePoint now, int limit, const std::string& owner, int lease_seconds) {
  const auto ts = format_iso(now);
  std::vector<Job> jobs;
  {
    auto q = tx.db.query(kClaimDue);
    q.bind(owner, new_uuid7() + ":", format_iso(now + std::chrono::seconds(lease_seconds)), ts, limit);
    jobs = read_jobs(q);
  }
  return jobs;
}

bool mark_done(Tx& tx, const Job& job, const AttemptEnd& end) {
  auto q = tx.db.query(kMarkDone);
  if (q.bind(job.id, job.lease_token, unreachable(end), format_iso(end.finished)).exec() != 1) return false;
  record_attempt(tx, job, end);
  return true;
}

bool mark_retrying(Tx& tx, const Job& job, const AttemptEnd& end, TimePoint run_at) {
  auto q = tx.db.query(kMarkRetrying);
  q.bind(job.id, job.lease_token, unreachable(end), format_iso(end.finished), format_iso(run_at), summary(end.error));
  if (q.exec() != 1) return false;
  record_attempt(tx, job, end);
  tx.note_jobs_enqueued();  // the worker learns the new run_at and sleeps until then
  return true;
}

bool mark_dead(Tx& tx, const Job& job, const AttemptEnd& end) {
  auto q = tx.db.query(kMarkDead);
  q.bind(job.id, job.lease_token, unreachable(end), format_iso(end.finished), summary(end.error));
  if (q.exec() != 1) return false;
  record_attempt(tx, job, end);
  return true;
}

bool defer(Tx& tx, const Job& job, TimePoint run_at, TimePoint now) {
  if (tx.db.query(kDefer).bind(job.id, job.lease_token, format_iso(run_at), format_iso(now)).exec() != 1) return false;
  tx.note_jobs_enqueued();
  return true;
}

bool set_payload(Tx& tx, const Job& job, const std::string& payload_json) {
  return tx.db.query(kSetPayload).bind(job.id, job.lease_token, payload_json).exec() == 1;
}

std::vector<Job> find_abandoned(Connection& db, TimePoint now, const std::string& my_owner, bool any_other_owner) {
  auto q = db.query(kFindAbandoned);
  q.bind(my_owner, any_other_owner, format_iso(now));
  return read_jobs(q);
}

bool requeue_abandoned(Tx& tx, const Job& job, TimePoint now) {
  const auto ts = format_iso(now);
  if (tx.db.query(kRequeueAbandoned).bind(job.id, job.lease_token, ts).exec() != 1) return false;
  record_interrupted(tx, job, now, "the process running it stopped");
  tx.note_jobs_enqueued();
  return true;
}

int extend_leases(Tx& tx, const std::string& owner, const std::string& job_ids_json, TimePoint now,
                  int lease_seconds) {
  const auto half = std::chrono::milliseconds(lease_seconds * 500);
  auto q = tx.db.query(kExtendLeases);
  q.bind(owner, job_ids_json, format_iso(now + half), format_iso(now + std::chrono::seconds(lease_seconds)));
  return q.exec();
}

int release_owned(Tx& tx, const std::string& owner, TimePoint now) {
  const auto ts = format_iso(now);
  std::vector<Job> owned;
  {
    auto q = tx.db.query(kOwnedRunning);
    q.bind(owner);
    owned = read_jobs(q);
  }
  for (const auto& job : owned) record_interrupted(tx, job, now, "released at shutdown");
  const int released = tx.db.query(kReleaseOwned).bind(owner, ts).exec();
  if (released > 0) tx.note_jobs_enqueued();
  return released;
}

bool retry_dead(Tx& tx, const std::string& job_id, int max_attempts, TimePoint now) {
  if (tx.db.query(kRetryDead).bind(job_id, max_attempts, format_iso(now)).exec() != 1) return false;
  tx.note_jobs_enqueued();
  return true;
}

bool discard_dead(Tx& tx, const std::string& job_id, TimePoint now) {
  return tx.db.query(kDiscardDead).bind(job_id, format_iso(now)).exec() == 1;
}

std::vector<std::string> dead_job_ids(Connection& db, const std::optional<std::string>& kind) {
  auto q = db.query(kDeadJobIds);
  q.bind(kind);
  std::vector<std::string> ids;
  while (q.step()) ids.push_back(q.text(0));
  return ids;
}

bool discard_unstarted(Tx& tx, const std::string& job_id, const std::string& why, TimePoint now) {
  return tx.db.query(kDiscardUnstarted).bind(job_id, why, format_iso(now)).exec() == 1;
}

void set_last_error(Tx& tx, const std::string& job_id, const std::string& text, TimePoint now) {
  tx.db.query(kSetLastError).bind(job_id, text, format_iso(now)).exec();
}

int forget_job(Tx& tx, const std::string& order_id, std::string_view kind, const std::string& key) {
  return tx.db.query(kForgetJob).bind(order_id, kind, key).exec();
}

std::optional<Job> find_job(Connection& db, const std::string& job_id) {
  auto q = db.query(kFindJob);
  q.bind(job_id);
  if (!q.step()) return std::nullopt;
  return read_job(q);
}

std::vector<Job> jobs_for_order(Connection& db, const std::string& order_id) {
  auto q = db.query(kJobsForOrder);
  q.bind(order_id);
  return read_jobs(q);
}

std::vector<Attempt> attempts_for_job(Connection& db, const std::string& job_id) {
  auto q = db.query(kAttemptsForJob);
  q.bind(job_id);
  std::vector<Attempt> out;
  while (q.step()) out.push_back(read_attempt(q));
  return out;
}

std::optional<TimePoint> next_due_at(Connection& db) {
  auto q = db.query(kNextDueAt);
  if (!q.step() || q.is_null(0)) return std::nullopt;
  return parse_iso(q.text(0));
}

std::vector<Job> list_jobs(Connection& db, const std::optional<JobState>& state, int limit,
                           const std::optional<std::string>& after_id) {
  auto q = db.query(kListJobs);
  std::optional<std::string_view> state_name;
  if (state) state_name = to_string(*state);
  q.bind(state_name, after_id, limit);
  return read_jobs(q);
}

std::map<JobState, int64_t> count_jobs_by_state(Connection& db) {
  std::map<JobState, int64_t> out;
  auto q = db.query(kCountByState);
  while (q.step()) out[read_state(q.text(0))] = q.int64(1);
  return out;
}

std::optional<TimePoint> oldest_due_at(Connection& db, TimePoint now) {
  auto q = db.query(kOldestDue);
  q.bind(format_iso(now));
  if (!q.step() || q.is_null(0)) return std::nullopt;
  return parse_iso(q.text(0));
}

int prune_done_jobs(Tx& tx, TimePoint before, int limit) {
  return tx.db.query(kPruneDone).bind(format_iso(before), limit).exec();
}

std::optional<Job> oldest_due_job(Connection& db, TimePoint now) {
  auto q = db.query(kOldestDueJob);
  q.bind(format_iso(now));
  if (!q.step()) return std::nullopt;
  return read_job(q);
}

std::vector<DeadJob> list_dead_jobs(Connection& db, const std::optional<std::string>& kind, int limit,
                                    const std::optional<std::string>& after_id) {
  auto q = db.query(kListDeadJobs);
  q.bind(kind, after_id, limit);
  std::vector<DeadJob> out;
  while (q.step()) out.push_back(DeadJob{read_job(q), q.text(kJobColumnCount)});
  return out;
}

int64_t count_dead_jobs(Connection& db, const std::optional<std::string>& kind) {
  auto q = db.query(kCountDeadJobs);
  q.bind(kind);
  q.step();
  return q.int64(0);
}

std::vector<FailedAttempt> recent_failed_attempts(Connection& db, int limit) {
  std::vector<FailedAttempt> out;
  auto q = db.query(kRecentFailures);
  q.bind(limit);
  while (q.step()) out.push_back(FailedAttempt{read_attempt(q), q.text(12), q.text(13), read_state(q.text(14))});
  return out;
}

}  // namespace shopd::store
