// THE table of job kinds (see job_kinds.h for what each column means and
// which four files a new kind touches). The job graph it describes:
//
//   order stored     --------> payment.charge
//   payment.charge   --done--> inventory.commit, invoice.generate
//                              (an order cancelled meanwhile: a full refund too)
//   invoice.generate --done--> email.confirmation
//   payment.charge   --dead (provider answered)--> inventory.release, email.payment_failed
//   an owner's cancel --------> email.cancelled; before the payment started:
//                              inventory.release; after it: payment.refund
//   an owner's refund --------> payment.refund
//   payment.refund   --done--> credit_note.generate --done--> email.refunded
//   a refund made in Stripe --> credit_note.generate (record_provider_refund)
//   an owner's shipment ------> email.shipped
//   any job but alert.team --dead--> alert.team (the failure hook)
#include "outbox/job_kinds.h"

#include <algorithm>
#include <limits>

#include "core/job_kind.h"
#include "outbox/after_sale.h"
#include "store/alert_store.h"

namespace shopd {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> table = {
      {.name = kind::kPaymentCharge,
       .handler = run_payment_charge,
       .priority = 4,
       .start = Start::OrderStored,
       .step = {"payment", 0},
       .what_it_does = "Charge the payment",
       .after_done = refund_if_cancelled,
       .before_owner_retry = take_stock_back_for_payment},
      {.name = kind::kInventoryCommit,
       .handler = run_inventory_commit,
       .priority = 1,
       .start = Start::After,
       .after = {{kind::kPaymentCharge, Ended::Done}},
       .step = {"inventory", 0},
       .what_it_does = "Turn the reserved stock into a sale"},
      {.name = kind::kInvoiceGenerate,
       .handler = run_invoice_generate,
       .priority = 2,
       .start = Start::After,
       .after = {{kind::kPaymentCharge, Ended::Done}},
       .step = {"invoice", 0},
       .what_it_does = "Issue the invoice"},
      {.name = kind::kEmailConfirmation,
       .handler = run_email_confirmation,
       .priority = 3,
       .start = Start::After,
       .after = {{kind::kInvoiceGenerate, Ended::Done}},
       .step = {"email", 0},
       .what_it_does = "Email the confirmation",
       .moot_once_cancelled = true},
      {.name = kind::kInventoryRelease,
       .handler = run_inventory_release,
       .priority = 1,
       .start = Start::After,
       .after = {{kind::kPaymentCharge, Ended::DeadAnswered}},
       .started_by = "also an owner's cancel before the payment started (outbox/after_sale.cpp)",
       .step = {"inventory", 1},
       .what_it_does = "Give the reserved stock back"},
      {.name = kind::kEmailPaymentFailed,
       .handler = run_email_payment_failed,
       .priority = 3,
       .start = Start::After,
       .after = {{kind::kPaymentCharge, Ended::DeadAnswered}},
       .step = {"email", 1},
       .what_it_does = "Tell the customer the payment failed",
       .moot_once_cancelled = true},
      {.name = kind::kAlertTeam,
       .handler = run_alert_team,
       .priority = 0,
       .start = Start::ByCode,
       .started_by = "the failure hook, when any other job dies (outbox/failure_hook.cpp)",
       .what_it_does = "Alert the team",
       // A dead alert's channels are marked failed, and a run only uses pending ones.
       .before_owner_retry = [](store::Tx& tx, const store::Job& job, const Config&,
                                TimePoint now) -> std::optional<OwnerActionError> {
         store::reopen_failed_channels(tx, job.id, now);
         return std::nullopt;
       }},
      {.name = kind::kEmailCancelled,
       .handler = run_email_cancelled,
       .priority = 3,
       .start = Start::ByCode,
       .started_by = "an owner's cancel (outbox/after_sale.cpp)",
       .step = {"email", 2},
       .what_it_does = "Tell the customer the order was cancelled"},
      {.name = kind::kPaymentRefund,
       .handler = run_payment_refund,
       .priority = 4,
       .start = Start::ByCode,
       .started_by = "an owner's refund, or the cancel of a paid order (outbox/after_sale.cpp); key: the refund",
       .what_it_does = "Give money back",
       .after_dead = fail_refund,
       .before_owner_retry = reopen_refund_if_it_fits},
      {.name = kind::kCreditNoteGenerate,
       .handler = run_credit_note_generate,
       .priority = 2,
       .start = Start::After,
       .after = {{kind::kPaymentRefund, Ended::Done}},
       .started_by = "also a refund Stripe reports (record_provider_refund, outbox/after_sale.cpp)",
       .what_it_does = "Issue the credit note"},
      {.name = kind::kEmailRefunded,
       .handler = run_email_refunded,
       .priority = 3,
       .start = Start::After,
       .after = {{kind::kCreditNoteGenerate, Ended::Done}},
       .what_it_does = "Email the refund with its credit note"},
      {.name = kind::kEmailShipped,
       .handler = run_email_shipped,
       .priority = 3,
       .start = Start::ByCode,
       .started_by = "an owner's shipment (outbox/after_sale.cpp)",
       .what_it_does = "Email the tracking link"},
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
