// The failure record a team alert carries: everything needed to act on a dead
// job without opening a shell.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "store/outbox_store.h"

namespace shopd {

struct FailureRecord {
  std::string shop_name;
  Order order;
  store::Job job;                      // the dead job
  std::vector<store::Attempt> attempts;  // every attempt, oldest first
};

// Plain text (Slack/Mattermost render it as is): what died, for which order,
// every attempt with time, duration and error, the provider's last status and
// body excerpt, where in the code it failed, and how to retry.
std::string failure_record_text(const FailureRecord& record);

}  // namespace shopd
