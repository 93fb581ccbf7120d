// Runs one claimed job attempt from start to finish:
//   load the order -> call the kind's handler -> decide() -> apply the
//   decision in one write (done + successors, retrying, or the failure hook),
//   together with whatever the caller wants done in the same write (the
//   worker claims its next jobs there: one write per job, not two).
//
// Threads: execute() is called concurrently from the worker's threads; the
// executor itself holds no mutable state.
#pragma once

#include <functional>
#include <optional>
#include <random>

#include "config/config.h"
#include "core/cancel.h"
#include "core/time.h"
#include "jobs/handler.h"
#include "outbox/job_state.h"
#include "obs/metrics.h"
#include "store/outbox_store.h"
#include "store/store.h"

namespace shopd {

// Which handler runs a kind (jobs/registry.cpp's handler_for; tests pass fakes).
using HandlerLookup = JobHandler (*)(std::string_view kind);

class JobExecutor {
 public:
  JobExecutor(const Config& config, store::Store& store, Providers& providers, Metrics& metrics,
              const Clock& clock, const Cancel& cancel, HandlerLookup handlers = handler_for);

  // Runs in the transaction that records the attempt's outcome, after it.
  using AlsoInTransaction = std::function<void(store::Tx&)>;

  // Never throws. When `cancel` was requested while the handler ran (shutdown
  // deadline), nothing is recorded: the job is released by the worker
  // instead, and `also` does not run. Returns the decision that was recorded,
  // or nullopt when nothing was (cancelled, lease lost, database trouble).
  std::optional<Decision> execute(const store::Job& job, std::mt19937_64& rng, const AlsoInTransaction& also = {});

 private:
  JobResult run_handler(const store::Job& job);

  const Config& config_;
  store::Store& store_;
  Providers& providers_;
  Metrics& metrics_;
  const Clock& clock_;
  const Cancel& cancel_;
  const HandlerLookup handlers_;
};

// The facts decide() needs, from the job as claimed.
AttemptFacts facts_of(const store::Job& job);

// Applies a decision for an attempt that ended, in the caller's transaction,
// then the handler's on_finish effects. Returns false when the job's lease
// was lost (nothing written).
bool apply_decision(store::Tx& tx, const store::Job& job, const Decision& decision, const store::AttemptEnd& end,
                    const JobResult& result, const Config& config);

}  // namespace shopd
