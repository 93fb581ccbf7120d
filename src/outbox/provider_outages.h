// Which providers cannot be reached right now, learned from the attempts'
// outcomes, and logged once per outage: "payment provider unreachable" at the
// first attempt that got no answer (connection refused, DNS, TLS handshake,
// timeout), "payment provider reachable again" once attempts get answers
// again (obs/episode.h). Without this, an afternoon's outage logs a line per
// attempt of every waiting order.
//
// Providers are told apart by the job kind's family, the part before the dot
// (payment, email, alert), as [retry.<family>] overrides are. Each process
// keeps its own view.
//
// No circuit breaker: jobs keep calling the provider on their own capped,
// jittered backoff (outbox/retry_policy.h), so a down provider sees about two
// calls per waiting job per retry.max_seconds, and each job keeps its own
// unreachable_seconds clock. See docs/faults.md.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/error.h"
#include "obs/episode.h"

namespace shopd {

class ProviderOutages {
 public:
  // An attempt of a job of `kind` ended with `error` (null: success). Returns
  // true when it got no answer during an outage an earlier attempt already
  // reported, so its own log line can be quiet.
  bool note(std::string_view kind, const JobError* error, Episode::Clock::time_point now = Episode::Clock::now());

  // Whether the provider of `kind` is in an outage right now.
  bool unreachable(std::string_view kind) const;

  // Ends the outages that answered again and stayed up (obs/episode.h); the
  // worker calls it on its maintenance tick, so a quiet shop still logs it.
  void end_settled(Episode::Clock::time_point now = Episode::Clock::now());

  // The team hears about an outage once (alerts.provider_down_seconds): true
  // for the first caller during an outage of the provider of `kind`, who
  // raises the alert; give_back_alert() if that write failed.
  bool claim_alert(std::string_view kind);
  void give_back_alert(std::string_view kind);

 private:
  struct Outage {
    Episode episode;
    bool alerted = false;  // during the current episode
  };
  Outage* find(std::string_view kind) const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Outage>, std::less<>> by_family_;
};

}  // namespace shopd
