// Incoming-webhook alerts. The URL of such a hook is itself a secret (it is
// the only credential), so it never appears in an error message.
#include "providers/webhook.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shopd {

namespace {

class HttpWebhook final : public Webhook {
 public:
  HttpWebhook(Config::Alerts config, std::string_view ca_bundle) : config_(std::move(config)), ca_bundle_(ca_bundle) {}

  std::optional<JobError> post_text(const std::string& text, const Cancel& cancel) override {
    HttpRequest request;
    request.method = "POST";
    request.url = config_.webhook_url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = webhook_body(text);
    request.timeout_seconds = config_.timeout_seconds;
    request.connect_timeout_seconds = std::min(10, config_.timeout_seconds);
    request.ca_bundle = ca_bundle_;
    auto sent = http_send(request, cancel);
    if (!sent.ok()) return sent.error();
    return interpret_webhook_response(sent.value());
  }

 private:
  Config::Alerts config_;
  std::string_view ca_bundle_;
};

}  // namespace

std::string webhook_body(const std::string& text) {
  // Invalid UTF-8 (a cut provider body, say) is replaced rather than thrown on.
  return nlohmann::json{{"text", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<JobError> interpret_webhook_response(const HttpResponse& r) {
  if (r.status >= 200 && r.status <= 299) return std::nullopt;
  const std::string code = "http_" + std::to_string(r.status);
  const std::string message = "the webhook answered HTTP " + std::to_string(r.status);
  if (is_transient_http_status(r.status))
    return JobError::transient(code, message).with_status(r.status).with_body(r.body).with_retry_after(
        r.retry_after_seconds);
  return JobError::permanent(code, message).with_status(r.status).with_body(r.body);
}

std::unique_ptr<Webhook> make_webhook(const Config::Alerts& config, std::string_view ca_bundle) {
  if (config.webhook_url.empty()) return nullptr;
  return std::make_unique<HttpWebhook>(config, ca_bundle);
}

}  // namespace shopd
