// One client connection's bytes, as cpp-httplib's request parser and answer
// writer see them (httplib::Stream), with the limits the library lacks:
//
// - One buffer for the connection's whole life, so a pipelined request that
//   arrived with the previous one is parsed next instead of being dropped.
// - A deadline for a whole request head and body (server.request_timeout_seconds)
//   rather than per read, so a client trickling a byte every few seconds is
//   cut off; idle waits between requests end after server.idle_timeout_seconds.
// - A cap on the request head (server.max_header_bytes): cpp-httplib would
//   read any number of headers.
// - While the head streams through, two facts its parsed headers lose: an
//   Idempotency-Key header with an empty value (cpp-httplib drops it), and a
//   Range header, which is renamed before the parser sees it so that Range is
//   ignored on every route (the library would cut any answer into a 206).
//   Accept-Encoding is renamed too: answers are never compressed here.
// - Answers are buffered and sent with one send(2) per answer (flush()).
//
// While it blocks on its client, the stream publishes that in its
// Connections::Slot, so that the registry may shut it down to make room.
//
// Threads: used by its connection's thread only.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "http/connections.h"

namespace shopd {

struct StreamLimits {
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{10'000};
  size_t max_head_bytes = 16384;
};

class ConnectionStream final : public httplib::Stream {
 public:
  // Why the stream stopped giving bytes.
  enum class Failure { none, closed, timed_out, head_too_large, shut_down, error };

  ConnectionStream(Connections::Slot& slot, const Connections& connections, const StreamLimits& limits);

  // Waits for the first byte of the next request; at once when one is
  // already buffered. False when the client closed, stayed idle past
  // idle_timeout, or the connection was shut down (evicted, stopping).
  bool wait_for_request();
  // Starts one request's clock and head scan.
  void begin_request();

  // Sends the buffered answer. False when the client is gone or did not
  // take it within request_timeout.
  bool flush();
  // For a connection closed while its client may still be sending (a body
  // refused unread): stop sending, then read and discard for a moment, so
  // that the client reads the answer instead of a connection reset.
  void linger();

  Failure failure() const { return failure_; }
  bool empty_idempotency_key() const { return empty_idempotency_key_; }
  // Whether the head of the current request was read to its blank line.
  bool head_complete() const { return phase_ == Phase::body; }
  size_t body_bytes_read() const { return body_bytes_; }

  // httplib::Stream
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { head, body };

  size_t buffered() const { return end_ - begin_; }
  // Receives what the socket has, waiting until `deadline`. False on EOF,
  // error, timeout or shutdown (failure_ says which).
  bool fill(Clock::time_point deadline, bool idle);
  bool wait_until(short events, Clock::time_point deadline, bool idle);
  // At the start of a header line: buffers enough of it to see its name.
  void inspect_header_name();
  size_t hand_out_head(char* ptr, size_t size);
  bool fail(Failure why);

  Connections::Slot& slot_;
  const Connections& connections_;
  const StreamLimits limits_;
  const int fd_;

  char in_[16384];
  size_t begin_ = 0, end_ = 0;
  std::string out_;

  Failure failure_ = Failure::none;
  Clock::time_point wait_since_;  // request start, or end of the last answer
  Clock::time_point deadline_;

  // Head scan of the current request.
  Phase phase_ = Phase::body;
  size_t head_bytes_ = 0;
  size_t body_bytes_ = 0;
  size_t line_index_ = 0;
  size_t line_length_ = 0;  // characters of the current line, CR excluded
  bool at_line_start_ = true;
  bool key_line_ = false;   // the current line is an Idempotency-Key header ...
  bool key_value_ = false;  // ... and has a non-blank value
  bool empty_idempotency_key_ = false;

  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = -1, local_port_ = -1;
};

}  // namespace shopd
