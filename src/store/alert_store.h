// Team alerts: one row per alert.team job in `alerts`, recording what each
// channel (webhook, email) did with it, and the alert-storm digest.
//
// Storm rule: an alert whose job runs when no alert went out within the
// window (alerts.digest_seconds) goes out alone at once. Any later alert in
// the window is held (mode "digest"); when the window ends, the first held
// alert's job to run claims held alerts into its batch (its own and the
// oldest, up to a digest's size) and sends one digest for them; the held
// jobs it took find themselves in a batch and are done, the rest wait for the
// next window. So a flash sale's hundreds of declines give one chat message
// per window, each naming every order it reports, not hundreds of messages.
//
// Writes take the writer's Tx; reads any Connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/states.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

enum class AlertChannel { Webhook, Email };

struct NewAlert {
  std::string job_id;       // the alert.team job
  std::string dead_job_id;  // the job whose death it reports
  std::string order_id;
  std::string kind;         // the dead job's kind
  std::string summary;      // one line
  bool webhook = false;     // channel configured
  bool email = false;
};

struct AlertRow {
  std::string job_id;
  std::string dead_job_id;
  std::string order_id;
  std::string kind;
  std::string summary;
  ChannelState webhook = ChannelState::None;
  ChannelState email = ChannelState::None;
  std::optional<AlertMode> mode;  // nullopt until its job first runs
  std::string batch_id;
  std::string sent_at;  // when it went out alone or was taken into a digest (the storm rule's clock)
  std::string created_at;
  std::string updated_at;
};

// In the failure hook's transaction.
void record_alert(Tx& tx, const NewAlert& alert, TimePoint now);
std::optional<AlertRow> find_alert(Connection& db, const std::string& job_id);

// Whether the alert goes out alone or waits for a digest, decided once, the
// first time its job runs (later runs get the same answer).
struct AlertTiming {
  bool alone = true;
  TimePoint window_end;  // digest: when the held alerts may go out
};
AlertTiming choose_alert_mode(Tx& tx, const std::string& job_id, TimePoint now, std::chrono::milliseconds window);

// The digest sender (`owner_job_id`, a held alert) takes itself and the
// oldest held alerts not in a batch yet, `limit` in all, into its own batch;
// returns the whole batch (the same one on a retry). Empty when the owner's
// alert is not held or is already in another job's batch.
std::vector<AlertRow> claim_digest(Tx& tx, const std::string& owner_job_id, TimePoint now, int limit);

// A channel delivered the alert (or, for a batch owner, its whole digest).
void mark_alert_sent(Tx& tx, const std::string& job_id, AlertChannel channel, TimePoint now);
// A channel failed for good: it is not tried again for this alert (or batch).
void mark_alert_failed(Tx& tx, const std::string& job_id, AlertChannel channel, TimePoint now);
// The alert job died: every channel still pending failed. Returns true when
// some channel had delivered it (so someone was told).
bool fail_pending_channels(Tx& tx, const std::string& job_id, TimePoint now);

// An owner retries the dead alert job: every channel that failed is pending
// again (for its batch too), so the retry sends through it. Sent and
// unconfigured channels stay as they are. Returns the alerts reopened.
int reopen_failed_channels(Tx& tx, const std::string& job_id, TimePoint now);

// Alerts no channel delivered, whose job is not discarded (view undelivered_alerts).
std::vector<AlertRow> undelivered_alerts(Connection& db);
// Every alert that no channel delivered, ever (a counter for /metrics).
int64_t count_undelivered_alerts_ever(Connection& db);
// Newest first, after the cursor job id.
std::vector<AlertRow> list_alerts(Connection& db, int limit, const std::optional<std::string>& after_job_id);

}  // namespace shopd::store
