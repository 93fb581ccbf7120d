#include "store/postgres/listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

#include "obs/log.h"
#include "store/postgres/connection.h"

namespace shopd::store {

namespace {

constexpr int kReconnectMs = 1000;
constexpr const char* kNotify = "SELECT pg_notify(?1, ?2)";

int new_eventfd() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw std::runtime_error("eventfd failed");
  return fd;
}

void signal_eventfd(int fd) {
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(fd, &one, sizeof one);
}

// Reads (and so resets) the counter: every signal so far is answered at once.
void drain_eventfd(int fd) {
  uint64_t count = 0;
  [[maybe_unused]] const auto read = ::read(fd, &count, sizeof count);
}

}  // namespace

PgListener::PgListener(std::string url, std::string channel, std::string own_payload,
                       std::function<void()> on_notify)
    : url_(std::move(url)),
      channel_(std::move(channel)),
      own_payload_(std::move(own_payload)),
      on_notify_(std::move(on_notify)),
      stop_fd_(new_eventfd()),
      announce_fd_(new_eventfd()) {
  thread_ = std::thread([this] { loop(); });
}

PgListener::~PgListener() {
  signal_eventfd(stop_fd_);
  thread_.join();
  ::close(stop_fd_);
  ::close(announce_fd_);
}

void PgListener::announce() { signal_eventfd(announce_fd_); }

bool PgListener::wait_for_stop(int timeout_ms) {
  pollfd fd{stop_fd_, POLLIN, 0};
  return ::poll(&fd, 1, timeout_ms) > 0;
}

void PgListener::loop() {
  bool reported = false;
  for (;;) {
    try {
      listen_once();
      return;  // stop requested
    } catch (const std::exception& e) {
      if (!reported) log::warn("not listening for other nodes' jobs; polling meanwhile", {{"error", e.what()}});
      reported = true;
    }
    if (wait_for_stop(kReconnectMs)) return;
  }
}

void PgListener::listen_once() {
  PgConnection conn(url_);
  // The channel is our own constant name, not user input.
  conn.exec(("LISTEN " + channel_).c_str());
  conn.exec("SET synchronous_commit = off");  // for the NOTIFYs sent below; see the header
  on_notify_();  // anything enqueued while we were not listening
  for (;;) {
    pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {conn.socket(), POLLIN, 0}, {announce_fd_, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;  // EINTR
    if (fds[0].revents) return;
    if (fds[2].revents) {
      drain_eventfd(announce_fd_);
      conn.query(kNotify).bind(channel_, own_payload_).step();
    }
    bool wake = false;
    for (const auto& payload : conn.take_notifications())
      if (payload != own_payload_) wake = true;
    if (wake) on_notify_();
  }
}

}  // namespace shopd::store
