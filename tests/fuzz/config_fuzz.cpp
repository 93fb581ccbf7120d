// Fuzz target: shop.toml from raw bytes, through parse_config
// (src/config/parse_config.cpp) and toml++ underneath it.
//
// Properties, beyond "no crash, no sanitizer report":
// - a bad file is a ConfigError and nothing else (any other exception
//   escapes and fails the run);
// - its message is the SPEC's "one clear line naming the key": it starts with
//   a non-empty key and holds no line break or other control character, so
//   a journal or a terminal shows it as one line whatever the file held;
// - an accepted Config keeps the invariants the rest of shopd relies on.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/error.h"
#include "core/job_kind.h"
#include "fuzz_check.h"

using namespace shopd;

namespace {

bool has_control_chars(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// Every variable the file names is set, so the parser goes past the secrets.
std::optional<std::string> any_env(const std::string& name) { return "value-of-" + name; }

bool is_kind_or_family(const std::string& name) {
  for (auto kind : kAllJobKinds)
    if (kind == name || kind_family(kind) == name) return true;
  return false;
}

void check_policy(const RetryPolicy& p) {
  FUZZ_REQUIRE(p.max_attempts >= 1 && p.max_attempts <= 1000, std::to_string(p.max_attempts));
  FUZZ_REQUIRE(p.base_seconds > 0 && p.max_seconds >= p.base_seconds, std::to_string(p.max_seconds));
}

void check_accepted(const Config& c) {
  FUZZ_REQUIRE(!c.shop.name.empty(), "shop.name");
  FUZZ_REQUIRE(c.shop.currency.size() == 3, c.shop.currency);
  for (const char ch : c.shop.currency) FUZZ_REQUIRE(ch >= 'A' && ch <= 'Z', c.shop.currency);
  FUZZ_REQUIRE(c.shop.public_url.starts_with("http://") || c.shop.public_url.starts_with("https://"),
               c.shop.public_url);
  FUZZ_REQUIRE(!c.shop.public_url.ends_with("/"), c.shop.public_url);
  FUZZ_REQUIRE(c.server.port >= 0 && c.server.port <= 65535, std::to_string(c.server.port));
  FUZZ_REQUIRE(c.server.max_connections >= 16 && c.server.max_connections <= 100000, "server.max_connections");
  FUZZ_REQUIRE(c.server.idle_timeout_seconds >= 1 && c.server.request_timeout_seconds >= 1, "server timeouts");
  FUZZ_REQUIRE(c.server.max_header_bytes >= 1024, "server.max_header_bytes");
  FUZZ_REQUIRE(c.server.max_body_bytes >= 256, "server.max_body_bytes");
  FUZZ_REQUIRE(c.database.path.is_absolute(), c.database.path.string());
  FUZZ_REQUIRE(c.database.synchronous == "normal" || c.database.synchronous == "full", c.database.synchronous);
  FUZZ_REQUIRE(c.worker.concurrency >= 1 && c.worker.lease_seconds >= 1, "worker");
  check_policy(c.retry.defaults);
  for (const auto& [name, policy] : c.retry.overrides) {
    FUZZ_REQUIRE(is_kind_or_family(name), name);
    check_policy(policy);
  }
  FUZZ_REQUIRE(c.payment.provider == "test" || c.payment.provider == "stripe", c.payment.provider);
  FUZZ_REQUIRE(c.payment.provider != "stripe" || !c.payment.secret_key.empty(), "payment.secret_key");
  FUZZ_REQUIRE(c.email.transport == "file" || c.email.transport == "smtp", c.email.transport);
  FUZZ_REQUIRE(c.email.from.find('@') != std::string::npos, c.email.from);
  FUZZ_REQUIRE(c.invoice.prefix.size() <= 32, c.invoice.prefix);
  std::set<std::string> skus;
  for (const auto& p : c.products) {
    FUZZ_REQUIRE(!p.sku.empty() && p.sku.size() <= 64, p.sku);
    FUZZ_REQUIRE(skus.insert(p.sku).second, p.sku);
    FUZZ_REQUIRE(p.price_cents >= 0 && p.stock >= 0, p.sku);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    check_accepted(parse_config(text, "/srv/shop", any_env, Secrets::Required));
  } catch (const ConfigError& e) {
    const std::string_view what = e.what();
    FUZZ_REQUIRE(!e.key.empty(), what);
    FUZZ_REQUIRE(what.starts_with(e.key + ": "), what);
    FUZZ_REQUIRE(!has_control_chars(what), what);
  }
  return 0;
}
