// LISTEN for other shopd processes' "jobs enqueued" notifications on a
// PostgreSQL shop, on a connection and a thread of its own; and send this
// process's own (announce()) from that connection.
//
// Every notification on the channel whose payload is not this process's id
// calls on_notify (from the listener's thread; it must be quick and
// thread-safe: the worker's notify()). When the connection breaks, the
// listener logs it once, reconnects every second, and calls on_notify after
// reconnecting, since a notification may have been missed meanwhile; the
// worker's polling covers the gap.
//
// Why this process's notifications go out here and not inside the write
// that enqueued the jobs: a transaction that sends NOTIFY holds a lock
// PostgreSQL takes for the whole database from its commit until the commit
// is flushed, so notifying in every order's transaction serialises every
// node's commits behind one another's WAL flushes. Here announcements that
// arrive while one is being sent are merged into the next, and each is sent
// with synchronous_commit off (a notification lost in a database crash
// costs a poll, nothing else).
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

  // Asks the listener's thread to send NOTIFY with this process's payload
  // soon (after the caller's commit, which is already visible). Never
  // blocks; thread-safe. While the connection is down nothing is sent.
  void announce();

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
  int stop_fd_ = -1;      // eventfd: readable once stop is requested
  int announce_fd_ = -1;  // eventfd: readable while an announcement is pending
  std::thread thread_;
};

}  // namespace shopd::store
