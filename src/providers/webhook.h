// Team alerts to a chat: POST {"text": ...} to a Slack / Mattermost /
// Discord-style incoming webhook. Errors are typed like the payment
// provider's (network, timeout, 429, 5xx: Transient; other 4xx: Permanent).
// Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/cancel.h"
#include "core/error.h"

namespace shopd {

class Webhook {
 public:
  virtual ~Webhook() = default;
  virtual std::optional<JobError> post_text(const std::string& text, const Cancel& cancel) = 0;
};

// nullptr when alerts.webhook_url is empty.
std::unique_ptr<Webhook> make_webhook(const Config::Alerts& config);

}  // namespace shopd
