#include "store/alert_store.h"

#include <stdexcept>

namespace shopd::store {

namespace {

#define ALERT_COLUMNS                                                                                        \
  "job_id, dead_job_id, order_id, kind, summary, webhook, email, coalesce(mode, ''), coalesce(batch_id, ''), " \
  "coalesce(sent_at, ''), created_at, updated_at"

constexpr const char* kInsert =
    "INSERT INTO alerts (job_id, dead_job_id, order_id, kind, summary, webhook, email, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (job_id) DO NOTHING";
constexpr const char* kFind = "SELECT " ALERT_COLUMNS " FROM alerts WHERE job_id = ?1";
constexpr const char* kLastSentAt = "SELECT max(sent_at) FROM alerts";
constexpr const char* kSetMode =
    "UPDATE alerts SET mode = ?2, sent_at = ?3, updated_at = ?4 WHERE job_id = ?1 AND mode IS NULL";
// Held alerts join the batch of the first held job to run after the window:
// its own alert first, then the oldest, at most ?3 of them.
constexpr const char* kClaimDigest =
    "UPDATE alerts SET batch_id = ?1, sent_at = ?2, updated_at = ?2 "
    "WHERE job_id IN (SELECT job_id FROM alerts WHERE mode = 'digest' AND batch_id IS NULL "
    "                 ORDER BY job_id = ?1 DESC, created_at LIMIT ?3)";
constexpr const char* kBatch = "SELECT " ALERT_COLUMNS " FROM alerts WHERE batch_id = ?1 ORDER BY created_at";
constexpr const char* kMarkWebhook =
    "UPDATE alerts SET webhook = ?2, updated_at = ?3 WHERE (job_id = ?1 OR batch_id = ?1) AND webhook = 'pending'";
constexpr const char* kMarkEmail =
    "UPDATE alerts SET email = ?2, updated_at = ?3 WHERE (job_id = ?1 OR batch_id = ?1) AND email = 'pending'";
constexpr const char* kFailPending =
    "UPDATE alerts SET webhook = CASE webhook WHEN 'pending' THEN 'failed' ELSE webhook END, "
    "email = CASE email WHEN 'pending' THEN 'failed' ELSE email END, updated_at = ?2 "
    "WHERE job_id = ?1 OR batch_id = ?1";
constexpr const char* kReopenFailed =
    "UPDATE alerts SET webhook = CASE webhook WHEN 'failed' THEN 'pending' ELSE webhook END, "
    "email = CASE email WHEN 'failed' THEN 'pending' ELSE email END, updated_at = ?2 "
    "WHERE (job_id = ?1 OR batch_id = ?1) AND 'failed' IN (webhook, email)";
constexpr const char* kDelivered =
    "SELECT count(*) FROM alerts WHERE job_id = ?1 AND (webhook = 'sent' OR email = 'sent')";
constexpr const char* kUndelivered =
    "SELECT " ALERT_COLUMNS " FROM alerts WHERE job_id IN (SELECT job_id FROM undelivered_alerts) "
    "ORDER BY created_at DESC";
constexpr const char* kCountUndeliveredEver =
    "SELECT count(*) FROM alerts WHERE webhook NOT IN ('sent', 'pending') AND email NOT IN ('sent', 'pending')";
constexpr Sql kList{
    .sqlite = "SELECT " ALERT_COLUMNS " FROM alerts WHERE (?1 IS NULL OR job_id < ?1) ORDER BY job_id DESC LIMIT ?2",
    .postgres = "SELECT " ALERT_COLUMNS " FROM alerts WHERE (?1::text IS NULL OR job_id < ?1) "
                "ORDER BY job_id DESC LIMIT ?2",
};
// Alert modes and digest batches are decided one at a time (the storm rule
// reads the last send, then records its own; a digest takes the held alerts
// no other batch took): SQLite's single writer does that already; on
// PostgreSQL a transaction-scoped advisory lock does, across nodes.
constexpr Sql kSerializeModes{
    .sqlite = "SELECT 1",
    .postgres = "SELECT pg_advisory_xact_lock(1936682086, 0)",
};

#undef ALERT_COLUMNS

ChannelState read_channel(const std::string& text) {
  const auto state = parse_channel_state(text);
  // The schema's CHECK constraint allows only known names.
  if (!state) throw std::runtime_error("alert row with unknown channel state \"" + text + "\"");
  return *state;
}

AlertRow read_alert(const Query& q) {
  return AlertRow{q.text(0),
                  q.text(1),
                  q.text(2),
                  q.text(3),
                  q.text(4),
                  read_channel(q.text(5)),
                  read_channel(q.text(6)),
                  parse_alert_mode(q.text(7)),
                  q.text(8),
                  q.text(9),
                  q.text(10),
                  q.text(11)};
}

std::vector<AlertRow> read_alerts(Query& q) {
  std::vector<AlertRow> out;
  while (q.step()) out.push_back(read_alert(q));
  return out;
}

std::string_view channel_state(bool configured) {
  return to_string(configured ? ChannelState::Pending : ChannelState::None);
}

}  // namespace

void record_alert(Tx& tx, const NewAlert& a, TimePoint now) {
  tx.db.query(kInsert)
      .bind(a.job_id, a.dead_job_id, a.order_id, a.kind, a.summary, channel_state(a.webhook), channel_state(a.email),
            format_iso(now))
      .exec();
}

std::optional<AlertRow> find_alert(Connection& db, const std::string& job_id) {
  auto q = db.query(kFind);
  q.bind(job_id);
  if (!q.step()) return std::nullopt;
  return read_alert(q);
}

AlertTiming choose_alert_mode(Tx& tx, const std::string& job_id, TimePoint now, std::chrono::milliseconds window) {
  tx.db.query(kSerializeModes).step();
  std::optional<TimePoint> last_sent;
  {
    auto q = tx.db.query(kLastSentAt);
    if (q.step() && !q.is_null(0)) last_sent = parse_iso(q.text(0));
  }
  const auto mine = find_alert(tx.db, job_id);
  if (mine && mine->mode) {
    const TimePoint base = last_sent ? *last_sent : now;
    return AlertTiming{*mine->mode == AlertMode::Alone, base + window};
  }
  const bool alone = !last_sent || *last_sent + window <= now;
  // An alert going out alone starts the window now, before it is delivered,
  // so an alert decided a moment later is held instead of sent too.
  std::optional<std::string> sent_at;
  if (alone) sent_at = format_iso(now);
  tx.db.query(kSetMode)
      .bind(job_id, to_string(alone ? AlertMode::Alone : AlertMode::Digest), sent_at, format_iso(now))
      .exec();
  return AlertTiming{alone, (alone ? now : *last_sent) + window};
}

std::vector<AlertRow> claim_digest(Tx& tx, const std::string& owner_job_id, TimePoint now, int limit) {
  tx.db.query(kSerializeModes).step();
  const auto own = find_alert(tx.db, owner_job_id);
  if (!own || own->mode != AlertMode::Digest) return {};
  // A batch is claimed once: its owner's retry (one channel failing) sends
  // the same digest again and takes in nothing new, and an owner already in
  // another job's digest claims nothing it would not send.
  if (own->batch_id.empty()) tx.db.query(kClaimDigest).bind(owner_job_id, format_iso(now), limit).exec();
  else if (own->batch_id != owner_job_id) return {};
  auto q = tx.db.query(kBatch);
  q.bind(owner_job_id);
  return read_alerts(q);
}

void mark_alert_sent(Tx& tx, const std::string& job_id, AlertChannel channel, TimePoint now) {
  tx.db.query(channel == AlertChannel::Webhook ? kMarkWebhook : kMarkEmail).bind(job_id, to_string(ChannelState::Sent), format_iso(now)).exec();
}

void mark_alert_failed(Tx& tx, const std::string& job_id, AlertChannel channel, TimePoint now) {
  tx.db.query(channel == AlertChannel::Webhook ? kMarkWebhook : kMarkEmail)
      .bind(job_id, to_string(ChannelState::Failed), format_iso(now))
      .exec();
}

bool fail_pending_channels(Tx& tx, const std::string& job_id, TimePoint now) {
  tx.db.query(kFailPending).bind(job_id, format_iso(now)).exec();
  auto q = tx.db.query(kDelivered);
  q.bind(job_id);
  return q.step() && q.int64(0) > 0;
}

int reopen_failed_channels(Tx& tx, const std::string& job_id, TimePoint now) {
  return tx.db.query(kReopenFailed).bind(job_id, format_iso(now)).exec();
}

std::vector<AlertRow> undelivered_alerts(Connection& db) {
  auto q = db.query(kUndelivered);
  return read_alerts(q);
}

int64_t count_undelivered_alerts_ever(Connection& db) {
  auto q = db.query(kCountUndeliveredEver);
  return q.step() ? q.int64(0) : 0;
}

std::vector<AlertRow> list_alerts(Connection& db, int limit, const std::optional<std::string>& after_job_id) {
  auto q = db.query(kList);
  q.bind(after_job_id, limit);
  return read_alerts(q);
}

}  // namespace shopd::store
