// Runs one claimed job attempt from start to finish:
//   load the order -> call the kind's handler -> decide() -> apply the
//   decision in one write (done + successors, retrying, or the failure hook),
//   together with whatever the caller wants done in the same write (the
//   worker claims its next jobs there: one write per job, not two).
//
// Threads: execute() is called concurrently from the worker's threads; the
// executor's only state is which providers are unreachable right now
// (outbox/provider_outages.h, thread-safe).
#pragma once

#include <functional>
#include <optional>
#include <random>

#include "config/config.h"
#include "core/cancel.h"
#include "core/time.h"
#include "jobs/handler.h"
#include "outbox/job_kinds.h"
#include "outbox/job_state.h"
#include "outbox/provider_outages.h"
#include "obs/metrics.h"
#include "store/outbox_store.h"
#include "store/store.h"

namespace shopd {

// Which handler runs a kind (the kind table's handler_for; tests pass fakes).
using HandlerLookup = JobHandler (*)(std::string_view kind);

class JobExecutor {
 public:
  JobExecutor(const Config& config, store::Store& store, Providers& providers, Metrics& metrics,
              const Clock& clock, const Cancel& cancel, HandlerLookup handlers = handler_for);

  // Runs in the transaction that records the attempt's outcome, after it.
  using AlsoInTransaction = std::function<void(store::Tx&)>;

  // Whether the attempt's outcome was written.
  enum class Recorded {
    Yes,
    Cancelled,           // shutdown deadline: the worker releases the job
    LeaseLost,           // another attempt owns the job now
    StorageUnavailable,  // the database refused the write (store/writer.h), or the
                         // handler's own reads or writes: the attempt does not
                         // count, and the job is still ours to put back
    Failed,              // anything else (a bug): the job runs again after its lease
  };
  struct Execution {
    Recorded recorded = Recorded::Yes;
    std::optional<Decision> decision;  // what was recorded (when recorded is Yes)
  };

  // Never throws. When `cancel` was requested while the handler ran (shutdown
  // deadline), nothing is recorded and `also` does not run.
  Execution execute(const store::Job& job, std::mt19937_64& rng, const AlsoInTransaction& also = {});

  // Logs the end of provider outages that are over (the worker's maintenance tick).
  void end_settled_outages() { outages_.end_settled(); }

 private:
  JobResult run_handler(const store::Job& job);
  // When this unanswered attempt is the one to warn the team about its
  // provider's outage (alerts.provider_down_seconds, once per outage): since when.
  std::optional<TimePoint> outage_to_report(const store::Job& job, TimePoint now);

  const Config& config_;
  store::Store& store_;
  Providers& providers_;
  Metrics& metrics_;
  const Clock& clock_;
  const Cancel& cancel_;
  const HandlerLookup handlers_;
  ProviderOutages outages_;
};

// The facts decide() needs, from the job as claimed.
AttemptFacts facts_of(const store::Job& job);

// Applies a decision for an attempt that ended, in the caller's transaction,
// then the handler's on_finish effects. Returns false when the job's lease
// was lost (nothing written).
bool apply_decision(store::Tx& tx, const store::Job& job, const Decision& decision, const store::AttemptEnd& end,
                    const JobResult& result, const Config& config);

}  // namespace shopd
