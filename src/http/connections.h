// The receptionist's connection budget: which client connections are open,
// which of them are waiting on their client (and so may be let go), and the
// thread that serves each one.
//
// Every accepted connection gets its own thread (a small stack) up to
// server.max_connections. At the cap, the connection that has waited longest
// on its client (idle between requests, or trickling a request head or
// body) is shut down to make room, so idle, slow or abandoned connections
// never keep a new client out. Only when every connection is busy inside a
// request is the newcomer closed at once.
//
// Threads: admit() runs on cpp-httplib's accept thread, enter()/leave() and
// the Slot updates on each connection's own thread; stop() on any thread.
// Everything here is thread-safe.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace shopd {

class Connections {
 public:
  // What a connection thread publishes about itself while it waits on its client.
  class Slot {
   public:
    explicit Slot(int fd) : fd_(fd) {}
    int fd() const { return fd_; }
    // `since` is when the wait began: the start of the request being read,
    // or the end of the last answer. A busy connection cannot be evicted.
    void waiting(std::chrono::steady_clock::time_point since, bool idle);
    void busy();
    // Set once the registry shut this connection down to make room (or to stop).
    bool evicted() const { return evicted_.load(std::memory_order_acquire); }

   private:
    friend class Connections;
    const int fd_;
    std::atomic<int64_t> waiting_since_ns_{0};  // 0: busy
    std::atomic<bool> idle_{false};
    std::atomic<bool> evicted_{false};
    size_t index_ = 0;  // in Connections::slots_, guarded by its mutex
  };

  struct Counts {
    size_t open = 0;
    uint64_t evicted = 0;  // shut down to make room for a newer connection
    uint64_t refused = 0;  // closed unanswered: every connection was busy
  };

  explicit Connections(size_t max_connections);

  // Called before a connection gets a thread. True: it may be served (when at
  // the cap, the longest-waiting connection has been shut down to make room).
  // False: every connection is busy, or the server is stopping.
  bool admit();
  // Undoes an admit() whose connection never started.
  void leave();

  // The connection's thread registers its socket for its whole life. remove()
  // returns once no other thread can touch the fd any more: close it after.
  void add(Slot& slot);
  void remove(Slot& slot);

  // No connection is admitted any more; idle ones are shut down now, busy ones
  // end after their current answer (see stopping()).
  void stop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Blocks until every admitted connection has left.
  void wait_until_empty();

  Counts counts() const;

 private:
  Slot* longest_waiting() const;  // REQUIRES: mu_ held
  static void shut_down(Slot& slot);  // REQUIRES: mu_ held (the fd cannot be closed meanwhile)

  const size_t max_;
  mutable std::mutex mu_;
  std::condition_variable empty_;
  std::vector<Slot*> slots_;
  size_t admitted_ = 0;
  uint64_t evicted_ = 0;
  uint64_t refused_ = 0;
  std::atomic<bool> stopping_{false};
};

// cpp-httplib's task queue for the accept loop: one detached thread per
// admitted connection, with a small stack. A refused connection's task runs
// inline on the accept thread with refusing() set, so that the server closes
// its socket at once instead of queueing it behind busy connections.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  ConnectionThreads(Connections& connections, size_t stack_bytes);
  void enqueue(std::function<void()> task) override;
  // Stops admitting and waits for every connection thread to finish.
  void shutdown() override;

  // True on the accept thread while a refused connection's task runs.
  static bool refusing();

 private:
  void run_refused(std::function<void()>& task);

  Connections& connections_;
  const size_t stack_bytes_;
};

}  // namespace shopd
