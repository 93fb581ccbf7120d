#include "store/pg_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

#include "obs/log.h"
#include "store/pg_connection.h"

namespace shopd::store {

namespace {

constexpr int kReconnectMs = 1000;

}  // namespace

PgListener::PgListener(std::string url, std::string channel, std::string own_payload,
                       std::function<void()> on_notify)
    : url_(std::move(url)),
      channel_(std::move(channel)),
      own_payload_(std::move(own_payload)),
      on_notify_(std::move(on_notify)),
      stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (stop_fd_ < 0) throw std::runtime_error("eventfd failed");
  thread_ = std::thread([this] { loop(); });
}

PgListener::~PgListener() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(stop_fd_);
}

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
  on_notify_();  // anything enqueued while we were not listening
  for (;;) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {conn.socket(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // EINTR
    if (fds[0].revents) return;
    bool wake = false;
    for (const auto& payload : conn.take_notifications())
      if (payload != own_payload_) wake = true;
    if (wake) on_notify_();
  }
}

}  // namespace shopd::store
