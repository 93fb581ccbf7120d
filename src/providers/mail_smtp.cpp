// The "smtp" transport: hands the render_mime bytes to a relay with libcurl.
// The relay's reply code decides retry or not (4xx try again later, 5xx never
// will work); a transfer that got no reply is classified like any other.
#include <algorithm>
#include <cstring>

#include "providers/curl_support.h"
#include "providers/mailer.h"

namespace shopd {

namespace {

struct Upload {
  std::string_view remaining;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->remaining.size());
  std::memcpy(buffer, upload->remaining.data(), n);
  upload->remaining.remove_prefix(n);
  return n;
}

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(Config::Email config, std::string_view ca_bundle) : config_(std::move(config)), ca_bundle_(ca_bundle) {}

  std::optional<JobError> send(const Email& email, const Cancel& cancel) override {
    if (cancel.requested()) return JobError::transient("cancelled", "cancelled by shutdown");
    if (auto bad = check_addresses(email)) return bad;

    const std::string message = render_mime(email);
    Upload upload{message};
    curl::Easy easy(cancel, config_.timeout_seconds, std::min(10, config_.timeout_seconds), ca_bundle_);
    CURL* h = easy.get();

    curl::Slist recipients;
    curl::append(recipients, "<" + email.to.address + ">");
    const std::string mail_from = "<" + email.from.address + ">";

    curl_easy_setopt(h, CURLOPT_URL, config_.smtp_url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtps:// is TLS from the first byte; for smtp:// this asks for STARTTLS.
    // With credentials TLS is required: AUTH must not go out in the clear.
    const bool has_credentials = !config_.username.empty();
    curl_easy_setopt(h, CURLOPT_USE_SSL, has_credentials ? static_cast<long>(CURLUSESSL_ALL)
                                                         : static_cast<long>(CURLUSESSL_TRY));
    if (has_credentials) {
      curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

    const CURLcode rc = curl_easy_perform(h);
    long reply = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    return interpret_smtp_result(rc, reply, rc == CURLE_OK ? "" : easy.detail(rc));
  }

 private:
  Config::Email config_;
  std::string_view ca_bundle_;
};

}  // namespace

std::optional<JobError> interpret_smtp_result(int curl_code, long reply_code, const std::string& detail) {
  if (curl_code == CURLE_OK) return std::nullopt;
  const std::string code = "smtp_" + std::to_string(reply_code);
  const int status = static_cast<int>(reply_code);
  if (reply_code >= 500 && reply_code <= 599)
    return JobError::permanent(code, "the mail relay rejected the message: " + detail).with_status(status);
  if (reply_code >= 400 && reply_code <= 499)
    return JobError::transient(code, "the mail relay deferred the message: " + detail).with_status(status);
  return curl::transfer_error(static_cast<CURLcode>(curl_code), detail);
}

std::unique_ptr<Mailer> make_smtp_mailer(const Config::Email& config, std::string_view ca_bundle) {
  return std::make_unique<SmtpMailer>(config, ca_bundle);
}

}  // namespace shopd
