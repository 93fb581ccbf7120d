#include "providers/payment.h"

namespace shopd {

std::unique_ptr<PaymentProvider> make_payment_provider(const Config::Payment& config, std::string_view ca_bundle) {
  if (config.provider == "test") return make_test_payment(config.test_latency_ms);
  if (config.provider == "stripe") return make_stripe_payment(config, ca_bundle);
  throw ConfigError("payment.provider", "must be one of test, stripe (got " + config.provider + ")");
}

}  // namespace shopd
