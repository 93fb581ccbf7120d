#include "outbox/pipeline.h"

#include "core/job_kind.h"
#include "outbox/job_state.h"
#include "store/order_store.h"
#include "store/outbox_store.h"

namespace shopd {

std::vector<std::string_view> successors_on_done(std::string_view k) {
  if (k == kind::kPaymentCharge) return {kind::kInventoryCommit, kind::kInvoiceGenerate};
  if (k == kind::kInvoiceGenerate) return {kind::kEmailConfirmation};
  return {};
}

std::vector<std::string_view> successors_on_dead(std::string_view k, bool provider_answered) {
  if (k == kind::kPaymentCharge && provider_answered) return {kind::kInventoryRelease, kind::kEmailPaymentFailed};
  return {};
}

const std::vector<Step>& order_steps() {
  static const std::vector<Step> steps = {
      {"payment", kind::kPaymentCharge, ""},
      {"inventory", kind::kInventoryCommit, kind::kInventoryRelease},
      {"invoice", kind::kInvoiceGenerate, ""},
      {"email", kind::kEmailConfirmation, kind::kEmailPaymentFailed},
  };
  return steps;
}


void enqueue_kinds(store::Tx& tx, const std::string& order_id, const std::vector<std::string_view>& kinds,
                   const Config& config, TimePoint now) {
  for (auto k : kinds)
    store::enqueue(tx, store::NewJob{order_id, k, config.retry.for_kind(std::string(k)).max_attempts, now}, now);
}

void refresh_order_status(store::Tx& tx, const std::string& order_id, TimePoint now) {
  std::vector<JobSummary> jobs;
  for (const auto& j : store::jobs_for_order(tx.db, order_id)) jobs.push_back(JobSummary{j.kind, j.state});
  store::set_order_status(tx, order_id, derive_order_status(jobs), now);
}

}  // namespace shopd
