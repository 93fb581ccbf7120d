// THE table of job kinds (see job_kinds.h for what each column means and
// which four files a new kind touches). The job graph it describes:
//
//   order stored     --------> payment.charge
//   payment.charge   --done--> inventory.commit, invoice.generate
//   invoice.generate --done--> email.confirmation
//   payment.charge   --dead (provider answered)--> inventory.release, email.payment_failed
//   any job but alert.team --dead--> alert.team (the failure hook)
#include "outbox/job_kinds.h"

#include <algorithm>
#include <limits>

#include "core/job_kind.h"

namespace shopd {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> table = {
      {kind::kPaymentCharge, run_payment_charge, 4, Start::OrderStored, {}, {}, {"payment", 0},
       "Charge the payment"},
      {kind::kInventoryCommit, run_inventory_commit, 1, Start::After, {{kind::kPaymentCharge, Ended::Done}}, {},
       {"inventory", 0}, "Turn the reserved stock into a sale"},
      {kind::kInvoiceGenerate, run_invoice_generate, 2, Start::After, {{kind::kPaymentCharge, Ended::Done}}, {},
       {"invoice", 0}, "Issue the invoice"},
      {kind::kEmailConfirmation, run_email_confirmation, 3, Start::After, {{kind::kInvoiceGenerate, Ended::Done}}, {},
       {"email", 0}, "Email the confirmation"},
      {kind::kInventoryRelease, run_inventory_release, 1, Start::After,
       {{kind::kPaymentCharge, Ended::DeadAnswered}}, {}, {"inventory", 1}, "Give the reserved stock back"},
      {kind::kEmailPaymentFailed, run_email_payment_failed, 3, Start::After,
       {{kind::kPaymentCharge, Ended::DeadAnswered}}, {}, {"email", 1}, "Tell the customer the payment failed"},
      {kind::kAlertTeam, run_alert_team, 0, Start::ByCode, {}, "the failure hook, when any other job dies", {},
       "Alert the team"},
  };
  return table;
}

const JobKind* find_job_kind(std::string_view name) {
  const auto& table = job_kinds();
  const auto it = std::find_if(table.begin(), table.end(), [&](const JobKind& k) { return k.name == name; });
  return it == table.end() ? nullptr : &*it;
}

JobHandler handler_for(std::string_view kind) {
  const JobKind* k = find_job_kind(kind);
  return k ? k->handler : nullptr;
}

int job_priority(std::string_view kind) {
  const JobKind* k = find_job_kind(kind);
  return k ? k->priority : std::numeric_limits<int>::max();
}

}  // namespace shopd
