// LISTEN for other shopd processes' "jobs enqueued" notifications on a
// PostgreSQL shop, on a connection and a thread of its own.
//
// Every notification on the channel whose payload is not this process's id
// calls on_notify (from the listener's thread; it must be quick and
// thread-safe: the worker's notify()). When the connection breaks, the
// listener logs it once, reconnects every second, and calls on_notify after
// reconnecting, since a notification may have been missed meanwhile; the
// worker's polling covers the gap.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace shopd::store {

class PgListener {
 public:
  PgListener(std::string url, std::string channel, std::string own_payload, std::function<void()> on_notify);
  ~PgListener();  // stops listening and joins the thread

  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void loop();
  // Listens until the connection breaks or stop is requested.
  void listen_once();
  bool wait_for_stop(int timeout_ms);

  const std::string url_;
  const std::string channel_;
  const std::string own_payload_;
  const std::function<void()> on_notify_;
  int stop_fd_ = -1;  // eventfd: readable once stop is requested
  std::thread thread_;
};

}  // namespace shopd::store
