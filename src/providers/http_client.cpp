#include "providers/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "providers/curl_support.h"

namespace shopd {

namespace {

// Provider answers are small JSON documents; anything bigger is not one, and
// buffering it unbounded would let a broken peer exhaust memory.
constexpr size_t kMaxResponseBytes = 4 * 1024 * 1024;
constexpr int kMaxRetryAfterSeconds = 24 * 60 * 60;

struct Received {
  std::string body;
  std::string retry_after;  // raw header value of the final response
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const size_t n = size * count;
  if (r->body.size() + n > kMaxResponseBytes) {
    r->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  r->body.append(data, n);
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Called once per header line, for every response of the transfer (an interim
// "100 Continue" too), so a status line starts the record afresh.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    r->retry_after.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    if (iequals(trim(line.substr(0, colon)), "Retry-After")) r->retry_after = std::string(trim(line.substr(colon + 1)));
  }
  return n;
}

void set_method(CURL* h, const HttpRequest& request) {
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    return;
  }
  // POSTFIELDS with an explicit size sends the body as is, binary-safe.
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
  if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

}  // namespace

Result<HttpResponse> http_send(const HttpRequest& request, const Cancel& cancel) {
  if (cancel.requested()) return JobError::transient("cancelled", "cancelled by shutdown");

  curl::Easy easy(cancel, request.timeout_seconds, request.connect_timeout_seconds, request.ca_bundle);
  CURL* h = easy.get();
  Received received;

  curl::Slist headers;
  for (const auto& [name, value] : request.headers) curl::append(headers, name + ": " + value);
  // Stops libcurl from waiting for "100 Continue" on larger bodies.
  curl::append(headers, "Expect:");

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  // http(s) only: a config URL must never make us read file:// or speak another protocol.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "shopd");
  set_method(h, request);

  const CURLcode rc = curl_easy_perform(h);
  if (received.too_large)
    return JobError::transient("response_too_large", "the response exceeded " + std::to_string(kMaxResponseBytes) + " bytes");
  if (rc != CURLE_OK) return curl::transfer_error(rc, easy.detail(rc));

  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  HttpResponse response;
  response.status = static_cast<int>(status);
  response.body = std::move(received.body);
  if (!received.retry_after.empty()) {
    const auto now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    response.retry_after_seconds = parse_retry_after(received.retry_after, now);
  }
  return response;
}

bool is_transient_http_status(int status) {
  return status == 408 || status == 409 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<int> parse_retry_after(std::string_view value, TimePoint now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range) return kMaxRetryAfterSeconds;
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return static_cast<int>(std::min<long long>(seconds, kMaxRetryAfterSeconds));
  }
  // curl_getdate knows all three HTTP-date forms (IMF-fixdate, RFC 850, asctime).
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const long long delta = static_cast<long long>(at) - now_s;
  return static_cast<int>(std::clamp<long long>(delta, 0, kMaxRetryAfterSeconds));
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto encode = [](std::string& out, std::string_view s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '.' || c == '_' || c == '~';
      if (unreserved) {
        out += ch;
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0x0F];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode(out, name);
    out += '=';
    encode(out, value);
  }
  return out;
}

}  // namespace shopd
