#include "providers/curl_support.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace shopd::curl {

namespace {

// curl_global_init is not thread-safe and must run before any other libcurl
// call; the first transfer of the process does it, whichever thread that is.
void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

CURL* new_handle() {
  global_init_once();
  CURL* h = curl_easy_init();
  if (h == nullptr) throw std::runtime_error("curl_easy_init failed");
  return h;
}

}  // namespace

Easy::Easy(const Cancel& cancel, int timeout_seconds, int connect_timeout_seconds, std::string_view ca_bundle)
    : handle_(new_handle(), curl_easy_cleanup), cancel_(cancel) {
  CURL* h = handle_.get();
  // Without NOSIGNAL, libcurl's DNS timeout uses SIGALRM, which is process-wide.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(std::max(1, timeout_seconds)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(std::clamp(connect_timeout_seconds, 1, std::max(1, timeout_seconds))));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_bundle.empty()) {
    // NOCOPY: the bundle lives in the process's Config, which outlives every transfer.
    curl_blob blob{const_cast<char*>(ca_bundle.data()), ca_bundle.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Easy::on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
}

// libcurl calls this at least once a second even on an idle connection, so a
// cancel takes effect within about a second.
int Easy::on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Easy*>(self)->cancel_.requested() ? 1 : 0;
}

std::string Easy::detail(CURLcode code) const {
  return error_buffer_[0] != '\0' ? std::string(error_buffer_) : std::string(curl_easy_strerror(code));
}

void append(Slist& list, const std::string& entry) {
  curl_slist* grown = curl_slist_append(list.get(), entry.c_str());
  if (grown == nullptr) throw std::runtime_error("curl_slist_append failed");
  (void)list.release();
  list.reset(grown);
}

JobError transfer_error(CURLcode code, const std::string& detail, SourceLocation loc) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return JobError::unreachable("timeout", "timed out: " + detail, loc);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return JobError::unreachable("dns_failed", detail, loc);
    case CURLE_COULDNT_CONNECT:
      return JobError::unreachable("connect_failed", detail, loc);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return JobError::unreachable("tls", detail, loc);
    case CURLE_USE_SSL_FAILED:
      // The peer answered, without offering the TLS we insist on: it is
      // reachable and misconfigured, so attempts count and the team hears of it.
      return JobError::transient("tls_required", detail, loc);
    case CURLE_ABORTED_BY_CALLBACK:
      return JobError::transient("cancelled", "cancelled by shutdown", loc);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
      return JobError::unreachable("connection_lost", detail, loc);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return JobError::permanent("invalid_url", detail, loc);
    default:
      return JobError::unreachable("network", detail, loc);
  }
}

}  // namespace shopd::curl
