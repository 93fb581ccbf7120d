#include "http/connections.h"

#include <pthread.h>
#include <sys/socket.h>

#include <memory>

namespace shopd {

namespace {

thread_local bool t_refusing = false;

int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

struct ThreadStart {
  std::function<void()> task;
  Connections* connections;
};

void* run_connection_thread(void* arg) {
  std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(arg));
  pthread_setname_np(pthread_self(), "shopd-http");  // for top -H and perf
  start->task();
  Connections* connections = start->connections;
  start.reset();
  // The last touch of shared state: once every connection has left, the
  // server may be destroyed.
  connections->leave();
  return nullptr;
}

}  // namespace

void Connections::Slot::waiting(std::chrono::steady_clock::time_point since, bool idle) {
  idle_.store(idle, std::memory_order_relaxed);
  // Never 0, which means busy.
  waiting_since_ns_.store(std::max<int64_t>(1, steady_ns(since)), std::memory_order_seq_cst);
}

void Connections::Slot::busy() { waiting_since_ns_.store(0, std::memory_order_seq_cst); }

Connections::Connections(size_t max_connections) : max_(max_connections) {}

bool Connections::admit() {
  std::lock_guard lock(mu_);
  if (stopping()) return false;
  if (admitted_ < max_) {
    ++admitted_;
    return true;
  }
  Slot* victim = longest_waiting();
  if (!victim) {
    ++refused_;
    return false;
  }
  // The victim's thread wakes from its wait, finds the socket shut and
  // leaves within moments; until then the count runs one over the cap.
  shut_down(*victim);
  ++evicted_;
  ++admitted_;
  return true;
}

void Connections::leave() {
  std::lock_guard lock(mu_);
  --admitted_;
  if (admitted_ == 0) empty_.notify_all();
}

void Connections::add(Slot& slot) {
  std::lock_guard lock(mu_);
  slot.index_ = slots_.size();
  slots_.push_back(&slot);
  // A connection that arrives while stop() runs must not be missed by it.
  if (stopping()) shut_down(slot);
}

void Connections::remove(Slot& slot) {
  std::lock_guard lock(mu_);
  Slot* last = slots_.back();
  slots_[slot.index_] = last;
  last->index_ = slot.index_;
  slots_.pop_back();
}

void Connections::stop() {
  std::lock_guard lock(mu_);
  stopping_.store(true, std::memory_order_seq_cst);
  // A connection that goes idle after this scan sees stopping() itself
  // (Slot::waiting and stopping_ are both sequentially consistent).
  for (Slot* slot : slots_)
    if (slot->waiting_since_ns_.load() != 0 && slot->idle_.load()) shut_down(*slot);
}

void Connections::wait_until_empty() {
  std::unique_lock lock(mu_);
  empty_.wait(lock, [this] { return admitted_ == 0; });
}

Connections::Counts Connections::counts() const {
  std::lock_guard lock(mu_);
  return Counts{admitted_, evicted_, refused_};
}

Connections::Slot* Connections::longest_waiting() const {
  Slot* oldest = nullptr;
  int64_t oldest_since = 0;
  for (Slot* slot : slots_) {
    const int64_t since = slot->waiting_since_ns_.load();
    if (since == 0 || slot->evicted()) continue;
    if (!oldest || since < oldest_since) {
      oldest = slot;
      oldest_since = since;
    }
  }
  return oldest;
}

void Connections::shut_down(Slot& slot) {
  slot.evicted_.store(true, std::memory_order_release);
  // shutdown(), not close(): the fd stays the connection's (no other socket
  // can reuse the number) until its own thread closes it after remove().
  ::shutdown(slot.fd_, SHUT_RDWR);
}

ConnectionThreads::ConnectionThreads(Connections& connections, size_t stack_bytes)
    : connections_(connections), stack_bytes_(stack_bytes) {}

bool ConnectionThreads::refusing() { return t_refusing; }

void ConnectionThreads::run_refused(std::function<void()>& task) {
  t_refusing = true;
  task();
  t_refusing = false;
}

void ConnectionThreads::enqueue(std::function<void()> task) {
  if (!connections_.admit()) return run_refused(task);
  auto start = std::make_unique<ThreadStart>(ThreadStart{std::move(task), &connections_});
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes_);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, run_connection_thread, start.get());
  pthread_attr_destroy(&attr);
  if (rc == 0) {
    start.release();  // the thread owns it now
    return;
  }
  // Out of threads or memory: refuse this one connection, keep serving the others.
  connections_.leave();
  run_refused(start->task);
}

void ConnectionThreads::shutdown() {
  connections_.stop();
  connections_.wait_until_empty();
}

}  // namespace shopd
