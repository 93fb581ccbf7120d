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
#include "providers/http_client.h"

namespace shopd {

class Webhook {
 public:
  virtual ~Webhook() = default;
  virtual std::optional<JobError> post_text(const std::string& text, const Cancel& cancel) = 0;
};

// nullptr when alerts.webhook_url is empty. `ca_bundle` as for the other providers.
std::unique_ptr<Webhook> make_webhook(const Config::Alerts& config, std::string_view ca_bundle = {});

// The request body: {"text": text} as JSON.
std::string webhook_body(const std::string& text);

// What the chat service's answer means (pure): nullopt for 2xx; 408, 409,
// 425, 429 and 5xx Transient (with Retry-After); anything else Permanent.
// Code "http_<status>", with status and body excerpt attached.
std::optional<JobError> interpret_webhook_response(const HttpResponse& response);

}  // namespace shopd
