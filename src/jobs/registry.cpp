#include "core/job_kind.h"
#include "jobs/handler.h"

namespace shopd {

JobHandler handler_for(std::string_view k) {
  if (k == kind::kPaymentCharge) return run_payment_charge;
  if (k == kind::kInventoryCommit) return run_inventory_commit;
  if (k == kind::kInventoryRelease) return run_inventory_release;
  if (k == kind::kInvoiceGenerate) return run_invoice_generate;
  if (k == kind::kEmailConfirmation) return run_email_confirmation;
  if (k == kind::kEmailPaymentFailed) return run_email_payment_failed;
  if (k == kind::kAlertTeam) return run_alert_team;
  return nullptr;
}

Providers make_providers(const Config& config) {
  const std::string_view ca = config.tls.ca_bundle;
  const bool sync_files = config.database.synchronous == "full";
  return Providers{make_payment_provider(config.payment, ca), make_mailer(config.email, ca, sync_files),
                   make_webhook(config.alerts, ca), texts::TemplateSet::load(config.templates.dir)};
}

}  // namespace shopd
