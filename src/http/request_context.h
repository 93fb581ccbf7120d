// Per-request facts that the access log, the metrics and the error responses
// need: the request id, the route pattern, when the request started.
//
// cpp-httplib runs a request's pre-routing handler, route handler, error
// handler and logger on its connection's thread, one request at a time, so
// the context lives in a thread_local that the connection loop resets at the
// start of every request.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace shopd {

struct RequestContext {
  std::string request_id;
  std::string route = "unmatched";  // the route pattern, e.g. "/orders/{id}": bounded metric labels
  std::chrono::steady_clock::time_point started;
  double seconds = 0;               // server time, measured when the answer is ready to be written
  std::string order_id;             // set by routes that touch one order, for the access log
  std::string method;               // for the access log, written once the answer has left
  int status = 0;
  // The connection ends after this answer: it was refused before its body was
  // read, or the request could not be parsed, so the bytes that follow are
  // not a request.
  bool close_connection = false;
  size_t declared_body_bytes = 0;   // Content-Length; fewer read means the rest is still on the wire
  bool empty_idempotency_key = false;  // sent, but empty: cpp-httplib drops such headers
};

RequestContext& current_request();

// A request id a client may choose: 1-128 of [A-Za-z0-9._:-]. Anything else is replaced.
bool is_sane_request_id(std::string_view id);

}  // namespace shopd
