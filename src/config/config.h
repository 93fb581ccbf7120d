// The process's configuration, read once from shop.toml at startup. Every key
// of SPEC section 2 is here; see README "Configuration" for each one.
//
// parse_config() is pure: it takes the file's text, the folder relative paths
// resolve against, and a way to read environment variables, and returns a
// Config or throws ConfigError naming the first bad key.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tax/vat.h"

namespace shopd {

struct RetryPolicy {
  int max_attempts = 8;         // total attempts the provider answered, the first included
  double base_seconds = 2;      // delay ceiling before attempt n+1 is base * 2^(n-1) ...
  double max_seconds = 3600;    // ... capped here
  // A provider that cannot be reached at all is retried (without using up
  // max_attempts) until this long after the first attempt that got no answer.
  double unreachable_seconds = 86400;
};

struct ProductSeed {
  std::string sku;
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;
  tax::VatCategory vat_category = tax::VatCategory::Standard;
};

// One [[shipping]] entry: what shipping costs to these countries. The first
// entry whose countries hold the order's country applies; "*" holds every one.
struct ShippingRate {
  std::vector<std::string> countries;  // ISO 3166-1 alpha-2, upper case, or "*"
  int64_t price_cents = 0;             // on the same footing as catalogue prices (tax.prices_include_vat)
  tax::VatCategory vat_category = tax::VatCategory::Standard;
};

// The languages of customer-facing texts (emails, invoices, credit notes).
inline constexpr const char* kLocales[] = {"en", "de", "fr"};
inline bool is_supported_locale(std::string_view locale) {
  for (const char* l : kLocales)
    if (locale == l) return true;
  return false;
}

struct Config {
  std::filesystem::path config_dir;  // where relative paths resolve

  struct Shop {
    std::string name;
    std::string currency;         // ISO 4217, upper case
    std::string public_url = "http://127.0.0.1:8080";
    std::string address;          // printed on invoices; lines separated by "\n"
    std::string locale = "en";    // the language of an order that names none (kLocales)
  } shop;

  struct Server {
    std::string host = "127.0.0.1";
    int port = 8080;
    // Connections served at once, each by its own thread; at the cap the one
    // that has waited longest on its client is closed to make room.
    int max_connections = 1024;
    int idle_timeout_seconds = 60;     // keep-alive between requests, and a new connection's first byte
    int request_timeout_seconds = 10;  // a whole request head and body, from its first byte
    size_t max_header_bytes = 16384;   // request line and headers together
    size_t max_body_bytes = 65536;
    std::vector<std::string> cors_origins;
    std::string admin_token_env = "SHOPD_ADMIN_TOKEN";
    int max_queued_writes = 5000;  // beyond this, POST /orders answers 429 (load shedding)
  } server;

  struct Database {
    std::filesystem::path path;          // the SQLite file
    std::string url;                     // a postgresql:// URI: the shop is on PostgreSQL instead (SPEC section 7)
    std::string synchronous = "normal";  // "normal" | "full"
    int busy_timeout_ms = 5000;
  } database;

  struct Worker {
    int concurrency = 16;
    int lease_seconds = 120;
    int shutdown_grace_seconds = 10;  // SIGTERM: running jobs get this long to finish
  } worker;

  struct Retry {
    RetryPolicy defaults;
    // Overrides keyed by job kind ("payment.charge") or kind family ("payment").
    std::map<std::string, RetryPolicy> overrides;
    // The policy for one job kind: exact kind, then family, then the defaults.
    const RetryPolicy& for_kind(const std::string& kind) const;
  } retry;

  struct Payment {
    std::string provider = "test";  // "test" | "stripe"
    int test_latency_ms = 0;
    std::string api_base = "https://api.stripe.com";
    std::string secret_key_env = "STRIPE_SECRET_KEY";
    std::string secret_key;         // resolved from secret_key_env (stripe only)
    int timeout_seconds = 30;
  } payment;

  struct Email {
    std::string transport = "file";  // "file" | "smtp"
    std::filesystem::path dir;
    std::string from = "Shop <orders@shop.example>";
    std::string smtp_url;
    std::string username_env = "SMTP_USERNAME";
    std::string password_env = "SMTP_PASSWORD";
    std::string username;  // resolved from the environment
    std::string password;
    int timeout_seconds = 30;
  } email;

  struct Invoice {
    std::filesystem::path dir;  // export folder for a copy of each PDF; empty: none (the database holds them)
    std::string prefix = "INV-";
    std::string seller_tax_id;    // printed on invoices when set (e.g. an EU VAT id)
    std::string credit_note_prefix = "CN-";  // credit notes: their own gapless series (SPEC section 9)
    std::vector<std::string> legal_lines;  // printed at the foot of every page (register, directors, capital, terms)
  } invoice;

  // VAT (SPEC section 12; docs/invoices.md). Without a [tax] table `country`
  // is empty and the shop works as before it: one rate, invoice.tax_rate_percent.
  struct Tax {
    std::string country;             // the seller's, ISO 3166-1 alpha-2; empty: no [tax]
    bool prices_include_vat = true;  // catalogue and shipping prices are gross (B2C) or net
    bool oss = false;                // consumers elsewhere in the EU pay their own country's rates
    // The shipped EU rates with the owner's [tax.rates.<COUNTRY>] over them;
    // every entry has a standard rate.
    std::map<std::string, tax::CountryRates> rates;
    // Without [tax] (the key invoice.tax_rate_percent, in basis points):
    // catalogue prices include this one rate, for every product but zero-rated
    // ones and every destination; 0 prints no tax line (shopd before [tax]).
    int single_rate_bp = 0;
    bool configured() const { return !country.empty(); }
  } tax;

  // [[shipping]]; empty: shipping is free everywhere (no shipping line).
  std::vector<ShippingRate> shipping;

  struct Templates {
    // Files here replace the built-in texts of the same name (emails,
    // document texts); empty: the built-in ones only. docs/templates.md.
    std::filesystem::path dir;
  } templates;

  struct Alerts {
    std::string webhook_url;
    std::string email;
    int timeout_seconds = 10;
    // In an alert storm: the first alert goes out at once, the rest within
    // this window wait and go out together in one digest.
    double digest_seconds = 60;
    // A provider no attempt has reached for this long raises one alert per
    // outage, long before retry.unreachable_seconds gives up on an order; 0: never.
    double provider_down_seconds = 900;
  } alerts;

  struct Tls {
    std::filesystem::path ca_file;  // extra PEM certificates to trust; empty: the system store only
    // The PEM bundle every outgoing TLS connection trusts: the system store
    // plus ca_file. Empty when ca_file is empty (libcurl's default then).
    std::string ca_bundle;
  } tls;

  struct Retention {
    int done_job_days = 30;  // done jobs and their attempts are pruned after this
  } retention;

  std::vector<ProductSeed> products;

  // Keys that are accepted but no longer do anything, one line each for the
  // log at startup and for `shopd check` (e.g. server.threads).
  std::vector<std::string> warnings;
};

using GetEnv = std::function<std::optional<std::string>(const std::string&)>;

std::optional<std::string> process_env(const std::string& name);

// Whether a missing provider secret (the Stripe key) is an error. Commands
// that never talk to a provider (jobs list/retry, backup) must work from a
// cron job or a shell that does not hold the shop's secrets.
enum class Secrets { Required, NotNeeded };

using ReadFile = std::function<std::optional<std::string>(const std::filesystem::path&)>;
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

// Debian's bundle of the system's trusted CAs (package ca-certificates).
inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

// Throws ConfigError. `read_file` reads files the config names (tls.ca_file).
Config parse_config(const std::string& toml_text, const std::filesystem::path& config_dir,
                    const GetEnv& env = process_env, Secrets secrets = Secrets::Required,
                    const ReadFile& read_file = read_whole_file);
// Reads the file, then parse_config. Throws ConfigError (key "config" when the file can't be read).
Config load_config(const std::filesystem::path& file, const GetEnv& env = process_env,
                   Secrets secrets = Secrets::Required);

// Why a [database] url is not acceptable (not a postgresql:// URI, or it
// carries a password), or nullopt when it is (an empty url is: SQLite).
std::optional<std::string> database_url_problem(const std::string& url);

// The admin token, read from the environment at call time; empty means the admin API is off.
std::string admin_token(const Config& config, const GetEnv& env = process_env);

}  // namespace shopd
