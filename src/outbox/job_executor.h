// Runs one claimed job attempt from start to finish:
//   load the order -> call the kind's handler -> decide() -> apply the
//   decision in one write (done + successors, retrying, or the failure hook).
//
// Threads: execute() is called concurrently from the worker's threads; the
// executor itself holds no mutable state.
#pragma once

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

class JobExecutor {
 public:
  JobExecutor(const Config& config, store::Store& store, Providers& providers, Metrics& metrics,
              const Clock& clock, const Cancel& cancel);

  // Never throws. When `cancel` was requested while the handler ran (shutdown
  // deadline), nothing is recorded: the job is released by the worker instead.
  void execute(const store::Job& job, std::mt19937_64& rng);

 private:
  JobResult run_handler(const store::Job& job);

  const Config& config_;
  store::Store& store_;
  Providers& providers_;
  Metrics& metrics_;
  const Clock& clock_;
  const Cancel& cancel_;
};

// The facts decide() needs, from the job as claimed.
AttemptFacts facts_of(const store::Job& job);

// Applies a decision for an attempt that ended, in the caller's transaction,
// then the handler's on_finish effects. Returns false when the job's lease
// was lost (nothing written).
bool apply_decision(store::Tx& tx, const store::Job& job, const Decision& decision, const store::AttemptEnd& end,
                    const JobResult& result, const Config& config);

}  // namespace shopd
