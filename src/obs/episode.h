// A fault that lasts (the database refusing writes, a provider that cannot be
// reached) is logged when it begins and when it ends, not once per failure in
// between: a full disk during a flash sale would otherwise write a line per
// order and per job, and bury the one line the owner needs.
//
//   Episode db({log::Level::error, "database unavailable", "database available again"});
//   db.failed({{"error", e.what()}});   // logs the first time only
//   db.succeeded();                      // logs "... again" with how long it lasted
//
// An episode ends once things have worked after its last failure and no
// failure came for `settle`: a fault that comes and goes (a nearly full disk
// that takes small writes and refuses big ones) stays one episode instead of
// a pair of lines per flip. Whoever owns the episode calls end_if_settled()
// now and then (settles_at() says when), so an idle process still says it
// recovered.
//
// Thread-safe. Times come from the caller (a steady clock), so tests pass them.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "obs/log.h"

namespace shopd {

class Episode {
 public:
  using Clock = std::chrono::steady_clock;

  struct Lines {
    log::Level level = log::Level::error;  // of the line that says it began
    std::string began;                      // e.g. "database unavailable"
    std::string ended;                      // e.g. "database available again" (logged at info)
  };

  explicit Episode(Lines lines, std::chrono::milliseconds settle = std::chrono::seconds(2));

  // A failure. Logs `began` with `fields` when no episode is going on, and
  // returns true then. `count`: how many failures this one call stands for
  // (a batch of writes).
  bool failed(const nlohmann::json& fields, uint64_t count = 1, Clock::time_point now = Clock::now());

  // A success. Ends the episode if it settled (see end_if_settled); returns true then.
  bool succeeded(Clock::time_point now = Clock::now());

  // Ends the episode when something succeeded after its last failure and
  // that failure is at least `settle` old, logging `ended` with `down_ms`
  // and `failures`; returns true then.
  bool end_if_settled(Clock::time_point now = Clock::now());
  // When end_if_settled() will end the episode, if nothing fails meanwhile;
  // nullopt when no episode is waiting to settle.
  std::optional<Clock::time_point> settles_at() const;

  bool ongoing() const;
  // Failures counted over the process's life (for a metric).
  uint64_t failures_total() const;

 private:
  const Lines lines_;
  const std::chrono::milliseconds settle_;
  mutable std::mutex mu_;
  bool ongoing_ = false;
  Clock::time_point began_{};
  Clock::time_point last_failure_{};
  bool success_since_failure_ = false;
  uint64_t failures_in_episode_ = 0;
  uint64_t failures_total_ = 0;
};

}  // namespace shopd
