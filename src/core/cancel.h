// A cancellation flag that blocking work can wait on. The worker requests it
// when the shutdown deadline passes, so a handler that is only waiting (test
// latency, a retry sleep inside a provider) returns at once.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace shopd {

class Cancel {
 public:
  void request() {
    {
      std::lock_guard lock(mu_);
      requested_ = true;
    }
    cv_.notify_all();
  }
  bool requested() const {
    std::lock_guard lock(mu_);
    return requested_;
  }
  // Sleeps for `d` unless cancelled first; returns false when cancelled.
  bool sleep_for(std::chrono::milliseconds d) const {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return requested_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool requested_ = false;
};

}  // namespace shopd
