// The failure record a team alert carries: everything needed to act on a dead
// job without opening a shell.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "store/outbox_store.h"

namespace shopd {

struct FailureRecord {
  std::string shop_name;
  Order order;
  store::Job job;                      // the dead job, or, for the early warning of a provider
                                       // outage (alerts.provider_down_seconds), the waiting one
  std::vector<store::Attempt> attempts;  // every attempt, oldest first
  // Set for the early warning: when its provider stopped answering (ISO-8601),
  // as the alert was raised (the job may have finished since).
  std::optional<std::string> unreachable_since;
};

// Plain text (Slack/Mattermost render it as is): what died, for which order,
// every attempt with time, duration and error, the provider's last status and
// body excerpt, where in the code it failed, and how to retry. For a job still
// waiting on an unreachable provider: since when, and what happens next.
std::string failure_record_text(const FailureRecord& record);

}  // namespace shopd
