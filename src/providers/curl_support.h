// What the libcurl users in providers/ (http_client.cpp, mail_smtp.cpp) share:
// one-time global init, an owning easy handle with the settings every transfer
// needs, and the mapping of a failed transfer to a JobError.
//
// Internal to providers/; nothing outside this folder includes it.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/cancel.h"
#include "core/error.h"
#include "core/source_location.h"

namespace shopd::curl {

// A fresh easy handle with the settings every shopd transfer needs: no
// signals (we run on worker threads), both timeouts, TLS verified against the
// system CA store or, when `ca_bundle` is not empty, against that PEM bundle
// (the system store plus [tls] ca_file, see config.h), an error buffer, and a
// progress callback that aborts the transfer once `cancel` is requested.
// `cancel` and the bundle's text must outlive the handle.
// Throws std::runtime_error if libcurl cannot allocate a handle.
class Easy {
 public:
  Easy(const Cancel& cancel, int timeout_seconds, int connect_timeout_seconds, std::string_view ca_bundle = {});
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;

  CURL* get() const { return handle_.get(); }
  // libcurl's detailed message for the last failure ("Failed to connect to ..."),
  // or curl_easy_strerror(code) when it left none.
  std::string detail(CURLcode code) const;

 private:
  std::unique_ptr<CURL, void (*)(CURL*)> handle_;
  const Cancel& cancel_;
  char error_buffer_[CURL_ERROR_SIZE] = {};

  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
};

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends one entry; throws std::runtime_error when libcurl cannot allocate.
void append(Slist& list, const std::string& entry);

// A failed transfer as a JobError, classified by CURLcode (never by message
// text): no answer from the peer ("timeout", "dns_failed", "connect_failed",
// "tls", "connection_lost", "network") is Unreachable; "cancelled" is
// Transient; a malformed or unsupported URL is Permanent "invalid_url" (a
// config mistake retrying cannot fix). `where` names the caller.
JobError transfer_error(CURLcode code, const std::string& detail,
                        SourceLocation loc = SourceLocation::current());

}  // namespace shopd::curl
