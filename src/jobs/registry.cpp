// The outside world the job handlers talk to, built once per process. Which
// handler runs which kind is the kind table's (outbox/job_kinds.cpp).
#include "jobs/handler.h"

namespace shopd {

Providers make_providers(const Config& config) {
  const std::string_view ca = config.tls.ca_bundle;
  const bool sync_files = config.database.synchronous == "full";
  return Providers{make_payment_provider(config.payment, ca), make_mailer(config.email, ca, sync_files),
                   make_webhook(config.alerts, ca), texts::TemplateSet::load(config.templates.dir)};
}

}  // namespace shopd
