#include "http/connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shopd {

namespace {

// Answers past this size go out before the handler has finished writing (an
// invoice PDF); everything else leaves in one send(2).
constexpr size_t kMaxBufferedAnswer = 64 * 1024;
// Enough of a header line to recognise "Idempotency-Key:" and "Accept-Encoding:".
constexpr size_t kHeaderNamePeek = 16;
// linger(): how long and how much a refused client may still send.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1024 * 1024;

bool starts_with_nocase(const char* data, size_t size, std::string_view prefix) {
  if (size < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(data[i])) != prefix[i]) return false;
  return true;
}

int poll_timeout_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 24 * 3600 * 1000));
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

}  // namespace

ConnectionStream::ConnectionStream(Connections::Slot& slot, const Connections& connections,
                                   const StreamLimits& limits)
    : slot_(slot), connections_(connections), limits_(limits), fd_(slot.fd()), wait_since_(Clock::now()) {}

bool ConnectionStream::wait_for_request() {
  if (failure_ != Failure::none) return false;
  if (buffered() > 0) return true;
  wait_since_ = Clock::now();
  return fill(wait_since_ + limits_.idle_timeout, /*idle=*/true);
}

void ConnectionStream::begin_request() {
  wait_since_ = Clock::now();
  deadline_ = wait_since_ + limits_.request_timeout;
  phase_ = Phase::head;
  head_bytes_ = body_bytes_ = line_index_ = line_length_ = 0;
  key_line_ = key_value_ = empty_idempotency_key_ = false;
  at_line_start_ = true;
}

bool ConnectionStream::fail(Failure why) {
  if (failure_ == Failure::none) failure_ = why;
  return false;
}

bool ConnectionStream::wait_until(short events, Clock::time_point deadline, bool idle) {
  slot_.waiting(wait_since_, idle);
  // stop() shuts down the idle connections it sees; one that becomes idle
  // after its scan must notice by itself.
  if (idle && connections_.stopping()) {
    slot_.busy();
    return fail(Failure::shut_down);
  }
  pollfd p{fd_, events, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, poll_timeout_ms(deadline));
  } while (rc < 0 && errno == EINTR);
  slot_.busy();
  if (rc == 0) return fail(Failure::timed_out);
  if (rc < 0) return fail(Failure::error);
  return true;
}

bool ConnectionStream::fill(Clock::time_point deadline, bool idle) {
  if (failure_ != Failure::none) return false;
  // An answer waiting in the buffer (100 Continue) must go out before the
  // client will send what we wait for.
  if (!out_.empty() && !flush()) return false;
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == sizeof in_) {
    std::memmove(in_, in_ + begin_, buffered());
    end_ -= begin_;
    begin_ = 0;
  }
  // Between requests the next one has rarely arrived yet: wait, then read
  // (a read first would mostly come back empty, one system call more).
  if (idle && !wait_until(POLLIN, deadline, idle)) return false;
  for (;;) {
    const ssize_t n = ::recv(fd_, in_ + end_, sizeof in_ - end_, MSG_DONTWAIT);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return true;
    }
    if (n == 0) return fail(slot_.evicted() ? Failure::shut_down : Failure::closed);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(Failure::error);
    if (Clock::now() >= deadline) return fail(Failure::timed_out);
    if (!wait_until(POLLIN, deadline, idle)) return false;
  }
}

void ConnectionStream::inspect_header_name() {
  while (buffered() < kHeaderNamePeek && !std::memchr(in_ + begin_, '\n', buffered()))
    if (!fill(deadline_, false)) return;  // the read that follows reports it
  const char* line = in_ + begin_;
  const size_t size = buffered();
  // Renamed headers are still in the request, under a name nobody reads.
  if (starts_with_nocase(line, size, "range:")) in_[begin_] = 'X';  // "Xange": ignored, never a 206
  // cpp-httplib would gzip or brotli-compress every answer for a client that
  // accepts it: a compressor's setup costs more than a few hundred bytes of
  // JSON save. A proxy in front compresses where it pays.
  if (starts_with_nocase(line, size, "accept-encoding:")) in_[begin_] = 'X';
  key_line_ = starts_with_nocase(line, size, "idempotency-key:");
  key_value_ = false;
}

size_t ConnectionStream::hand_out_head(char* ptr, size_t size) {
  // Up to the end of the current line, so that each line start is seen.
  const char* start = in_ + begin_;
  const void* newline = std::memchr(start, '\n', std::min(size, buffered()));
  const size_t n = newline ? static_cast<size_t>(static_cast<const char*>(newline) - start) + 1
                           : std::min(size, buffered());
  for (size_t i = 0; i < n; ++i) {
    const char c = start[i];
    if (c == '\n') {
      if (line_length_ == 0 && line_index_ > 0) {
        phase_ = Phase::body;  // the blank line: the head is complete
      } else if (key_line_ && !key_value_) {
        empty_idempotency_key_ = true;
      }
      ++line_index_;
      line_length_ = 0;
      key_line_ = false;
      at_line_start_ = true;
      continue;
    }
    at_line_start_ = false;
    if (c != '\r') {
      if (key_line_ && line_length_ >= kHeaderNamePeek && c != ' ' && c != '\t') key_value_ = true;
      ++line_length_;
    }
  }
  std::memcpy(ptr, start, n);
  begin_ += n;
  head_bytes_ += n;
  return n;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (phase_ == Phase::head && at_line_start_ && line_index_ > 0) inspect_header_name();
  if (buffered() == 0 && !fill(deadline_, false)) return failure_ == Failure::closed ? 0 : -1;
  if (phase_ == Phase::head) {
    const size_t n = hand_out_head(ptr, size);
    if (head_bytes_ > limits_.max_head_bytes) {
      fail(Failure::head_too_large);
      return -1;
    }
    return static_cast<ssize_t>(n);
  }
  const size_t n = std::min(size, buffered());
  std::memcpy(ptr, in_ + begin_, n);
  begin_ += n;
  body_bytes_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (failure_ == Failure::error) return -1;
  out_.append(ptr, size);
  if (out_.size() >= kMaxBufferedAnswer && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::flush() {
  if (out_.empty()) return true;
  if (failure_ == Failure::error) return false;
  const auto deadline = Clock::now() + limits_.request_timeout;
  const auto since = wait_since_;
  wait_since_ = Clock::now();  // a client that does not read is waited on like one that does not send
  size_t sent = 0;
  bool ok = true;
  while (sent < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && Clock::now() < deadline &&
        wait_until(POLLOUT, deadline, false))
      continue;
    ok = false;
    break;
  }
  wait_since_ = since;
  out_.clear();
  if (!ok) failure_ = Failure::error;
  return ok;
}

void ConnectionStream::linger() {
  if (!flush()) return;
  ::shutdown(fd_, SHUT_WR);
  const auto deadline = Clock::now() + kLingerTime;
  wait_since_ = Clock::now();
  size_t discarded = 0;
  char sink[4096];
  while (discarded < kLingerBytes) {
    const ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
    if (n > 0) {
      discarded += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;
    if (!wait_until(POLLIN, deadline, false)) return;
  }
}

bool ConnectionStream::is_readable() const {
  if (buffered() > 0) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

bool ConnectionStream::is_writable() const { return failure_ != Failure::error; }

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (remote_port_ < 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, remote_ip_, remote_port_);
  }
  ip = remote_ip_;
  port = remote_port_;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (local_port_ < 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, local_ip_, local_port_);
  }
  ip = local_ip_;
  port = local_port_;
}

}  // namespace shopd
