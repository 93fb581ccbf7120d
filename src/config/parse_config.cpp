#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "config/config.h"
#include "core/error.h"
#include "core/job_kind.h"
#include "core/pem.h"

namespace shopd {

namespace {

constexpr size_t kMaxLegalLines = 6;

// Reads one TOML table, remembering which keys were consumed so that anything
// left over can be reported as an unknown key (a typo must not be silent).
class TableReader {
 public:
  TableReader(const toml::table* table, std::string path) : table_(table), path_(std::move(path)) {}

  std::string key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const toml::node* find(std::string_view key) {
    seen_.insert(std::string(key));
    return table_ ? table_->get(key) : nullptr;
  }

  void string(std::string_view key, std::string& out, bool required = false) {
    const toml::node* n = find(key);
    if (!n) return missing(key, required);
    if (!n->is_string()) throw type_error(key, "a string", *n);
    out = n->as_string()->get();
  }

  template <class Int>
  void integer(std::string_view key, Int& out, int64_t min, int64_t max, bool required = false) {
    const toml::node* n = find(key);
    if (!n) return missing(key, required);
    if (!n->is_integer()) throw type_error(key, "an integer", *n);
    const int64_t v = n->as_integer()->get();
    if (v < min || v > max)
      throw ConfigError(key_path(key), "must be between " + std::to_string(min) + " and " +
                                           std::to_string(max) + " (got " + std::to_string(v) + ")");
    out = static_cast<Int>(v);
  }

  // Integers are accepted where decimals are ("base_seconds = 2" and "= 0.05").
  void number(std::string_view key, double& out, double min, double max) {
    const toml::node* n = find(key);
    if (!n) return;
    double v;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point()) v = n->as_floating_point()->get();
    else throw type_error(key, "a number", *n);
    if (!std::isfinite(v) || v < min || v > max) {
      std::ostringstream msg;
      msg << "must be between " << min << " and " << max << " (got " << v << ")";
      throw ConfigError(key_path(key), msg.str());
    }
    out = v;
  }

  void boolean(std::string_view key, bool& out) {
    const toml::node* n = find(key);
    if (!n) return;
    if (!n->is_boolean()) throw type_error(key, "true or false", *n);
    out = n->as_boolean()->get();
  }

  void string_list(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = find(key);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) throw type_error(key, "an array of strings", *n);
    out.clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::node& item = *arr->get(i);
      if (!item.is_string())
        throw ConfigError(key_path(key) + "[" + std::to_string(i) + "]", "must be a string");
      out.push_back(item.as_string()->get());
    }
  }

  // A sub-table; absent tables read as empty so every key keeps its default.
  TableReader table(std::string_view key) {
    const toml::node* n = find(key);
    if (n && !n->is_table()) throw type_error(key, "a table", *n);
    return TableReader(n ? n->as_table() : nullptr, key_path(key));
  }

  // Every key of this table that was not asked for is an error.
  void reject_unknown_keys() const {
    if (!table_) return;
    for (auto&& [k, v] : *table_) {
      if (!seen_.count(std::string(k.str())))
        throw ConfigError(key_path(k.str()), "unknown key");
    }
  }

  const toml::table* raw() const { return table_; }
  const std::string& path() const { return path_; }

 private:
  void missing(std::string_view key, bool required) const {
    if (required) throw ConfigError(key_path(key), "is required");
  }

  ConfigError type_error(std::string_view key, const char* expected, const toml::node& n) const {
    std::ostringstream got;
    got << n.type();
    return ConfigError(key_path(key), std::string("must be ") + expected + " (got " + got.str() + ")");
  }

  const toml::table* table_;
  std::string path_;
  std::set<std::string> seen_;
};

std::filesystem::path resolve(const std::filesystem::path& dir, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : (dir / path).lexically_normal();
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void require_one_of(const std::string& key, const std::string& value, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += list.empty() ? "" : ", ";
    list += std::string("\"") + a + "\"";
  }
  throw ConfigError(key, "must be one of " + list + " (got \"" + value + "\")");
}

void parse_listen(const std::string& listen, Config::Server& server) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw ConfigError("server.listen", "must look like \"127.0.0.1:8080\" (got \"" + listen + "\")");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535)
    throw ConfigError("server.listen", "port must be 0-65535 (got \"" + listen + "\")");
  server.host = host;
  server.port = static_cast<int>(port);
}

std::string require_env(const GetEnv& env, const std::string& key, const std::string& var, const char* why) {
  if (var.empty()) throw ConfigError(key, "must name an environment variable");
  auto value = env(var);
  if (!value || value->empty())
    throw ConfigError(key, "environment variable " + var + " is not set (" + why + ")");
  return *value;
}

RetryPolicy read_retry_policy(TableReader& t, RetryPolicy policy) {
  t.integer("max_attempts", policy.max_attempts, 1, 1000);
  t.number("base_seconds", policy.base_seconds, 0.001, 86400.0 * 30);
  t.number("max_seconds", policy.max_seconds, 0.001, 86400.0 * 30);
  t.number("unreachable_seconds", policy.unreachable_seconds, 0, 86400.0 * 365);
  if (policy.max_seconds < policy.base_seconds)
    throw ConfigError(t.key_path("max_seconds"), "must be at least base_seconds");
  return policy;
}

void read_shop(TableReader t, Config::Shop& shop) {
  t.string("name", shop.name, true);
  t.string("currency", shop.currency, true);
  t.string("public_url", shop.public_url);
  t.string("address", shop.address);
  t.string("locale", shop.locale);
  if (t.find("vat_id"))  // the key of shopd before 2026-12: point the owner to its new home
    throw ConfigError("shop.vat_id", "has moved: write it as seller_tax_id under [invoice]");
  t.reject_unknown_keys();
  if (shop.name.empty()) throw ConfigError("shop.name", "must not be empty");
  if (shop.currency.size() != 3 || !std::all_of(shop.currency.begin(), shop.currency.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; }))
    throw ConfigError("shop.currency", "must be a 3-letter ISO 4217 code in upper case (got \"" + shop.currency + "\")");
  if (!is_http_url(shop.public_url)) throw ConfigError("shop.public_url", "must start with http:// or https://");
  if (!is_supported_locale(shop.locale))
    throw ConfigError("shop.locale", "must be one of \"en\", \"de\", \"fr\" (got \"" + shop.locale + "\")");
  while (!shop.public_url.empty() && shop.public_url.back() == '/') shop.public_url.pop_back();
}

void read_server(TableReader t, Config::Server& server, std::vector<std::string>& warnings) {
  std::string listen = server.host + ":" + std::to_string(server.port);
  t.string("listen", listen);
  parse_listen(listen, server);
  // Before connections got a thread each, this sized a fixed pool that a few
  // idle clients could fill. Old files keep starting.
  if (t.find("threads"))
    warnings.push_back("server.threads is no longer used and can be removed: each connection gets its own "
                       "thread, up to server.max_connections");
  t.integer("max_connections", server.max_connections, 16, 100000);
  t.integer("idle_timeout_seconds", server.idle_timeout_seconds, 1, 3600);
  t.integer("request_timeout_seconds", server.request_timeout_seconds, 1, 600);
  t.integer("max_header_bytes", server.max_header_bytes, 1024, 1024 * 1024);
  t.integer("max_body_bytes", server.max_body_bytes, 256, 64 * 1024 * 1024);
  t.string_list("cors_origins", server.cors_origins);
  t.string("admin_token_env", server.admin_token_env);
  t.integer("max_queued_writes", server.max_queued_writes, 1, 1000000);
  t.reject_unknown_keys();
}

}  // namespace

std::optional<std::string> database_url_problem(const std::string& url) {
  if (url.empty()) return std::nullopt;
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
    return "must be a PostgreSQL connection URI (postgresql://user@host:5432/dbname)";
  // The userinfo part ends at the first '@' before the host; a ':' in it
  // means a password. So does a password=... parameter.
  const size_t start = url.find("://") + 3;
  const size_t at = url.find('@', start);
  const size_t slash = url.find('/', start);
  const bool password_in_userinfo = at != std::string::npos && (slash == std::string::npos || at < slash) &&
                                    url.find(':', start) < at;
  if (password_in_userinfo || url.find("password=") != std::string::npos)
    return "must not contain a password: set PGPASSWORD or use a PGPASSFILE (secrets never sit in the file)";
  return std::nullopt;
}

namespace {

void read_database(TableReader t, Config::Database& db, const std::filesystem::path& dir) {
  std::string path = "var/shop.db";
  t.string("path", path);
  if (path.empty()) throw ConfigError("database.path", "must not be empty");
  db.path = resolve(dir, path);
  t.string("url", db.url);
  if (auto problem = database_url_problem(db.url)) throw ConfigError("database.url", *problem);
  t.string("synchronous", db.synchronous);
  require_one_of("database.synchronous", db.synchronous, {"normal", "full"});
  t.integer("busy_timeout_ms", db.busy_timeout_ms, 0, 600000);
  t.reject_unknown_keys();
}

void read_worker(TableReader t, Config::Worker& w) {
  t.integer("concurrency", w.concurrency, 1, 5000);
  t.integer("lease_seconds", w.lease_seconds, 1, 86400);
  t.integer("shutdown_grace_seconds", w.shutdown_grace_seconds, 0, 3600);
  t.reject_unknown_keys();
}

void read_retry(TableReader t, Config::Retry& retry) {
  retry.defaults = read_retry_policy(t, retry.defaults);
  // Every other key must be an override table named after a job kind or family.
  if (t.raw()) {
    for (auto&& [k, v] : *t.raw()) {
      const std::string name(k.str());
      if (name == "max_attempts" || name == "base_seconds" || name == "max_seconds" || name == "unreachable_seconds")
        continue;
      if (!v.is_table()) throw ConfigError(t.key_path(name), "unknown key");
      bool known = is_job_kind(name);
      std::string families;
      for (auto kind : kAllJobKinds) {
        known = known || kind_family(kind) == name;
        if (families.find(std::string(kind_family(kind)) + ",") == std::string::npos)
          families += std::string(kind_family(kind)) + ",";
      }
      if (!known) {
        families.pop_back();
        for (size_t at = families.find(','); at != std::string::npos; at = families.find(',', at + 2))
          families.replace(at, 1, ", ");
        throw ConfigError(t.key_path(name), "is not a job kind or family (" + families + ")");
      }
      TableReader sub = t.table(name);
      retry.overrides[name] = read_retry_policy(sub, retry.defaults);
      sub.reject_unknown_keys();
    }
  }
}

void read_payment(TableReader t, Config::Payment& p, const GetEnv& env, Secrets secrets) {
  t.string("provider", p.provider);
  require_one_of("payment.provider", p.provider, {"test", "stripe"});
  t.integer("test_latency_ms", p.test_latency_ms, 0, 600000);
  t.string("api_base", p.api_base);
  t.string("secret_key_env", p.secret_key_env);
  t.integer("timeout_seconds", p.timeout_seconds, 1, 600);
  t.reject_unknown_keys();
  if (!is_http_url(p.api_base)) throw ConfigError("payment.api_base", "must start with http:// or https://");
  while (!p.api_base.empty() && p.api_base.back() == '/') p.api_base.pop_back();
  if (p.provider == "stripe" && secrets == Secrets::Required)
    p.secret_key = require_env(env, "payment.secret_key_env", p.secret_key_env, "needed for provider = \"stripe\"");
}

void read_email(TableReader t, Config::Email& e, const std::filesystem::path& dir, const GetEnv& env) {
  t.string("transport", e.transport);
  require_one_of("email.transport", e.transport, {"file", "smtp"});
  std::string mail_dir = "var/mail";
  t.string("dir", mail_dir);
  e.dir = resolve(dir, mail_dir);
  t.string("from", e.from);
  t.string("smtp_url", e.smtp_url);
  t.string("username_env", e.username_env);
  t.string("password_env", e.password_env);
  t.integer("timeout_seconds", e.timeout_seconds, 1, 600);
  t.reject_unknown_keys();
  if (e.from.find('@') == std::string::npos) throw ConfigError("email.from", "must contain an email address");
  if (e.transport == "smtp") {
    if (e.smtp_url.rfind("smtp://", 0) != 0 && e.smtp_url.rfind("smtps://", 0) != 0)
      throw ConfigError("email.smtp_url", "must start with smtp:// or smtps:// when transport = \"smtp\"");
    if (auto u = env(e.username_env); u && !u->empty()) e.username = *u;
    if (auto pw = env(e.password_env); pw && !pw->empty()) e.password = *pw;
  }
}

// invoice.tax_rate_percent is the single rate of a shop without [tax]
// (Config::Tax::single_rate_bp); nullopt when the file does not set it.
std::optional<int> read_invoice(TableReader t, Config::Invoice& inv, const std::filesystem::path& dir) {
  // An optional export folder: the database holds every invoice's PDF.
  std::string inv_dir;
  t.string("dir", inv_dir);
  if (!inv_dir.empty()) inv.dir = resolve(dir, inv_dir);
  t.string("prefix", inv.prefix);
  double single_rate = -1;
  t.number("tax_rate_percent", single_rate, 0, 100);
  std::optional<int> single_rate_bp;
  if (single_rate >= 0) {
    single_rate_bp = tax::rate_bp_from_percent(single_rate);
    if (!single_rate_bp) throw ConfigError("invoice.tax_rate_percent", "must have at most two decimals");
  }
  t.string("seller_tax_id", inv.seller_tax_id);
  t.string("credit_note_prefix", inv.credit_note_prefix);
  t.string_list("legal_lines", inv.legal_lines);
  t.reject_unknown_keys();
  if (inv.prefix.size() > 32) throw ConfigError("invoice.prefix", "must be at most 32 characters");
  if (inv.credit_note_prefix.size() > 32)
    throw ConfigError("invoice.credit_note_prefix", "must be at most 32 characters");
  // Credit notes are found by number in URLs (/orders/{id}/credit-notes/{number}).
  if (inv.credit_note_prefix.empty() || inv.credit_note_prefix == inv.prefix)
    throw ConfigError("invoice.credit_note_prefix", "must be set and differ from invoice.prefix (its own series)");
  for (char c : inv.credit_note_prefix)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\')
      throw ConfigError("invoice.credit_note_prefix", "must be printable ASCII without spaces, /, ?, #, % or \\");
  if (inv.legal_lines.size() > kMaxLegalLines)
    throw ConfigError("invoice.legal_lines", "must be at most " + std::to_string(kMaxLegalLines) + " lines");
  for (size_t i = 0; i < inv.legal_lines.size(); ++i)
    if (inv.legal_lines[i].size() > 300)
      throw ConfigError("invoice.legal_lines[" + std::to_string(i) + "]", "must be at most 300 bytes");
  return single_rate_bp;
}

bool is_country_code(const std::string& code) {
  return code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

tax::VatCategory read_vat_category(TableReader& t) {
  std::string text = "standard";
  t.string("vat_category", text);
  const auto category = tax::parse_vat_category(text);
  if (!category)
    throw ConfigError(t.key_path("vat_category"),
                      "must be one of \"standard\", \"reduced\", \"super_reduced\", \"zero\" (got \"" + text +
                          "\")");
  return *category;
}

// [tax.rates.<COUNTRY>]: the owner's rates over the shipped ones.
void read_tax_rates(TableReader t, std::map<std::string, tax::CountryRates>& rates) {
  if (!t.raw()) return;
  for (auto&& [k, v] : *t.raw()) {
    const std::string country(k.str());
    if (!is_country_code(country))
      throw ConfigError(t.key_path(country), "must be a country code in upper case, like [tax.rates.DE]");
    TableReader r = t.table(country);
    tax::CountryRates& target = rates[country];
    for (tax::VatCategory category : tax::kAllCategories) {
      const std::string key(tax::to_string(category));
      double percent = -1;
      r.number(key, percent, 0, 100);
      if (percent < 0) continue;  // not given: the shipped rate stays
      const auto bp = tax::rate_bp_from_percent(percent);
      if (!bp) throw ConfigError(r.key_path(key), "must have at most two decimals");
      target.bp[category] = *bp;
    }
    r.reject_unknown_keys();
    if (!target.bp.count(tax::VatCategory::Standard))
      throw ConfigError(r.key_path("standard"),
                        "is required: shopd ships the rates of the EU member states only");
  }
}

void read_tax(TableReader t, Config::Tax& tax_config, std::optional<int> single_rate_bp) {
  tax_config.single_rate_bp = single_rate_bp.value_or(0);
  if (!t.raw()) return;
  t.string("country", tax_config.country, true);
  t.boolean("prices_include_vat", tax_config.prices_include_vat);
  t.boolean("oss", tax_config.oss);
  tax_config.rates = tax::eu_default_rates();
  read_tax_rates(t.table("rates"), tax_config.rates);
  t.reject_unknown_keys();
  if (!is_country_code(tax_config.country))
    throw ConfigError("tax.country", "must be an ISO 3166-1 alpha-2 code in upper case, like \"DE\" (got \"" +
                                         tax_config.country + "\")");
  if (!tax_config.rates.count(tax_config.country))
    throw ConfigError("tax.rates." + tax_config.country,
                      "is required: shopd ships the rates of the EU member states only; give at least `standard`");
  if (tax_config.oss && !tax::is_eu_vat_country(tax_config.country))
    throw ConfigError("tax.oss", "is for sellers in the EU (tax.country is " + tax_config.country + ")");
  if (single_rate_bp)
    throw ConfigError("invoice.tax_rate_percent",
                      "has no meaning with [tax]: remove it (the rates are [tax.rates.<COUNTRY>])");
}

void read_shipping(TableReader& root, std::vector<ShippingRate>& out) {
  const toml::node* n = root.find("shipping");
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) throw ConfigError("shipping", "must be an array of tables ([[shipping]])");
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string path = "shipping[" + std::to_string(i) + "]";
    if (!out.empty() && out.back().countries == std::vector<std::string>{"*"})
      throw ConfigError(path, "never applies: the entry before it matches every country (\"*\")");
    TableReader t(arr->get(i)->as_table(), path);
    ShippingRate rate;
    if (!t.raw()->get("countries")) throw ConfigError(t.key_path("countries"), "is required");
    t.string_list("countries", rate.countries);
    t.integer("price_cents", rate.price_cents, 0, 100'000'000'00LL, true);
    rate.vat_category = read_vat_category(t);
    t.reject_unknown_keys();
    if (rate.countries.empty()) throw ConfigError(t.key_path("countries"), "must name at least one country, or \"*\"");
    for (size_t k = 0; k < rate.countries.size(); ++k) {
      const std::string& c = rate.countries[k];
      if (c == "*" ? rate.countries.size() != 1 : !is_country_code(c))
        throw ConfigError(t.key_path("countries") + "[" + std::to_string(k) + "]",
                          "must be a country code in upper case (\"DE\"), or \"*\" alone (got \"" + c + "\")");
    }
    out.push_back(std::move(rate));
  }
}

void read_templates(TableReader t, Config::Templates& templates, const std::filesystem::path& dir) {
  std::string folder;
  t.string("dir", folder);
  t.reject_unknown_keys();
  if (!folder.empty()) templates.dir = resolve(dir, folder);
}

void read_alerts(TableReader t, Config::Alerts& a) {
  t.string("webhook_url", a.webhook_url);
  t.string("email", a.email);
  t.integer("timeout_seconds", a.timeout_seconds, 1, 600);
  t.number("digest_seconds", a.digest_seconds, 0, 86400);
  t.number("provider_down_seconds", a.provider_down_seconds, 0, 86400.0 * 365);
  t.reject_unknown_keys();
  if (!a.webhook_url.empty() && !is_http_url(a.webhook_url))
    throw ConfigError("alerts.webhook_url", "must start with http:// or https://");
}

void read_tls(TableReader t, Config::Tls& tls, const std::filesystem::path& dir, const ReadFile& read_file) {
  std::string ca_file;
  t.string("ca_file", ca_file);
  t.reject_unknown_keys();
  if (ca_file.empty()) return;
  tls.ca_file = resolve(dir, ca_file);
  const auto extra = read_file(tls.ca_file);
  if (!extra) throw ConfigError("tls.ca_file", "cannot read " + tls.ca_file.string());
  if (const auto problem = pem_certificates_problem(*extra))
    throw ConfigError("tls.ca_file", tls.ca_file.string() + " " + *problem);
  // libcurl trusts one bundle: the system store, then the owner's certificates.
  tls.ca_bundle = read_file(kSystemCaBundle).value_or("") + "\n" + *extra;
}

void read_retention(TableReader t, Config::Retention& r) {
  t.integer("done_job_days", r.done_job_days, 1, 36500);
  t.reject_unknown_keys();
}

void read_products(TableReader& root, std::vector<ProductSeed>& out) {
  const toml::node* n = root.find("products");
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) throw ConfigError("products", "must be an array of tables ([[products]])");
  std::set<std::string> skus;
  for (size_t i = 0; i < arr->size(); ++i) {
    TableReader t(arr->get(i)->as_table(), "products[" + std::to_string(i) + "]");
    ProductSeed p;
    t.string("sku", p.sku, true);
    t.string("name", p.name, true);
    t.integer("price_cents", p.price_cents, 0, 100'000'000'00LL, true);
    t.integer("stock", p.stock, 0, 1'000'000'000LL, true);
    p.vat_category = read_vat_category(t);
    t.reject_unknown_keys();
    if (p.sku.empty() || p.sku.size() > 64) throw ConfigError(t.key_path("sku"), "must be 1-64 characters");
    if (!skus.insert(p.sku).second) throw ConfigError(t.key_path("sku"), "duplicate sku \"" + p.sku + "\"");
    out.push_back(std::move(p));
  }
}

// ---- Keeping toml++ 3.3.0 away from its undefined behaviour ---------------
//
// Debian 12's toml++ decides whether a non-ASCII character is whitespace with
// a table that reaches __builtin_unreachable() for U+00A1-U+0499,
// U+2C3E-U+3037 and U+FC26-U+FEFE, letters such as "é" and "Ä" among them
// (marzer/tomlplusplus#190 and #295, fixed upstream by #305; the fuzz target
// found it). It asks outside quotes, after a backslash in a """ string, on
// the line a backslash continues, and while it looks ahead over a value that
// turns out broken ('x = 4"é"'). So toml++ gets a document in plain ASCII
// that means the same: a non-ASCII character in a string becomes its \u
// escape (a literal string becomes the equal basic string for that), one in
// a comment a '?', and one anywhere else, where TOML never allows it, is a
// ConfigError naming line and column. Column numbers in toml++'s own errors
// may then run a few characters long on such a line. Delete this once Debian
// ships a toml++ with the fix.

size_t utf8_sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // ASCII, a continuation byte or a byte UTF-8 never uses
}

// The code point that starts at text[at], if a well-formed UTF-8 sequence does.
std::optional<char32_t> code_point_at(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const size_t n = utf8_sequence_length(lead);
  if (n == 0 || at + n > text.size()) return std::nullopt;
  char32_t cp = lead & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(text[at + k]);
    if ((c & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

std::string hex(char32_t value, int digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) out[static_cast<size_t>(i)] = kHex[value & 0xF];
  return out;
}

// "line 4, column 1: <character> <what>", counted the way toml++ counts (columns in characters).
ConfigError text_error(std::string_view text, size_t at, const std::string& what) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  const auto cp = code_point_at(text, at);
  const std::string character = cp ? "U+" + hex(*cp, 4) : "byte 0x" + hex(static_cast<unsigned char>(text[at]), 2);
  return ConfigError("config", "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                                   character + " " + what);
}

class AsciiToml {
 public:
  explicit AsciiToml(std::string_view text) : text_(text) { out_.reserve(text.size()); }

  std::string run() {
    size_t i = text_.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a byte order mark, which toml++ skips
    while (i < text_.size()) i = step(i);
    return std::move(out_);
  }

 private:
  // Literal strings are written as basic strings, which can carry \u escapes.
  enum class In { Nothing, Comment, Basic, Literal, MultiBasic, MultiLiteral };

  std::string_view text_;
  std::string out_;
  In in_ = In::Nothing;

  bool is_ascii(size_t i) const { return static_cast<unsigned char>(text_[i]) < 0x80; }
  bool at_triple(size_t i, char quote) const { return text_.substr(i, 3) == std::string(3, quote); }

  size_t copy(size_t i, size_t n) {
    out_ += text_.substr(i, n);
    return i + n;
  }

  size_t step(size_t i) {
    switch (in_) {
      case In::Nothing: return step_outside(i);
      case In::Comment: return step_comment(i);
      case In::Basic:
      case In::MultiBasic: return step_basic(i);
      case In::Literal:
      case In::MultiLiteral: return step_literal(i);
    }
    return copy(i, 1);
  }

  size_t step_outside(size_t i) {
    if (!is_ascii(i))
      throw text_error(text_, i, "outside quotes: TOML allows characters that are not ASCII only in quoted "
                                 "strings and comments");
    const char c = text_[i];
    if (c == '#') in_ = In::Comment;
    if (c != '"' && c != '\'') return copy(i, 1);
    const bool triple = at_triple(i, c);
    in_ = c == '"' ? (triple ? In::MultiBasic : In::Basic) : (triple ? In::MultiLiteral : In::Literal);
    out_ += triple ? "\"\"\"" : "\"";
    return i + (triple ? 3 : 1);
  }

  size_t step_comment(size_t i) {
    if (text_[i] == '\n') in_ = In::Nothing;
    if (is_ascii(i)) return copy(i, 1);
    out_ += '?';  // what a comment says does not matter to the parser
    return i + std::max<size_t>(1, utf8_sequence_length(static_cast<unsigned char>(text_[i])));
  }

  // A non-ASCII character inside a string, as its escape.
  size_t escape_at(size_t i) {
    const auto cp = code_point_at(text_, i);
    if (!cp) throw text_error(text_, i, "is not UTF-8");
    out_ += *cp > 0xFFFF ? "\\U" + hex(*cp, 8) : "\\u" + hex(*cp, 4);
    return i + utf8_sequence_length(static_cast<unsigned char>(text_[i]));
  }

  // Up to two quotes before the closing three belong to the string, as toml++ reads them.
  size_t close_multiline(size_t i, char quote) {
    size_t run = 3;
    while (run < 5 && i + run < text_.size() && text_[i + run] == quote) ++run;
    out_ += std::string(run - 3, quote == '"' ? '"' : '\'');
    out_ += "\"\"\"";
    in_ = In::Nothing;
    return i + run;
  }

  size_t step_basic(size_t i) {
    const char c = text_[i];
    if (!is_ascii(i)) return escape_at(i);
    if (c == '\\' && i + 1 < text_.size()) {
      if (!is_ascii(i + 1)) throw text_error(text_, i + 1, "after a backslash is not a TOML escape sequence");
      if (in_ == In::MultiBasic || text_[i + 1] != '\n') return copy(i, 2);  // an escape never ends the string
    }
    if (in_ == In::MultiBasic) return at_triple(i, '"') ? close_multiline(i, '"') : copy(i, 1);
    if (c == '"' || c == '\n') in_ = In::Nothing;
    return copy(i, 1);
  }

  size_t step_literal(size_t i) {
    const char c = text_[i];
    if (!is_ascii(i)) return escape_at(i);
    if (in_ == In::MultiLiteral && at_triple(i, '\'')) return close_multiline(i, '\'');
    if (in_ == In::Literal && (c == '\'' || c == '\n')) {
      in_ = In::Nothing;
      out_ += c == '\'' ? '"' : c;
      return i + 1;
    }
    if (c == '\\' || c == '"') out_ += '\\';  // literal text in a basic string
    return copy(i, 1);
  }
};

// The text to hand to toml::parse: plain ASCII with the same meaning, or a ConfigError.
std::string ascii_toml(std::string_view text) { return AsciiToml(text).run(); }

}  // namespace

const RetryPolicy& Config::Retry::for_kind(const std::string& kind) const {
  if (auto it = overrides.find(kind); it != overrides.end()) return it->second;
  if (auto it = overrides.find(std::string(kind_family(kind))); it != overrides.end()) return it->second;
  return defaults;
}

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

Config parse_config(const std::string& toml_text, const std::filesystem::path& config_dir, const GetEnv& env,
                    Secrets secrets, const ReadFile& read_file) {
  toml::table doc;
  try {
    doc = toml::parse(ascii_toml(toml_text));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "line " << e.source().begin.line << ", column " << e.source().begin.column << ": " << e.description();
    throw ConfigError("config", msg.str());
  }

  Config c;
  c.config_dir = config_dir;
  TableReader root(&doc, "");
  read_shop(root.table("shop"), c.shop);
  read_server(root.table("server"), c.server, c.warnings);
  read_database(root.table("database"), c.database, config_dir);
  read_worker(root.table("worker"), c.worker);
  read_retry(root.table("retry"), c.retry);
  read_payment(root.table("payment"), c.payment, env, secrets);
  read_email(root.table("email"), c.email, config_dir, env);
  const std::optional<int> single_rate_bp = read_invoice(root.table("invoice"), c.invoice, config_dir);
  read_tax(root.table("tax"), c.tax, single_rate_bp);
  read_shipping(root, c.shipping);
  read_templates(root.table("templates"), c.templates, config_dir);
  read_alerts(root.table("alerts"), c.alerts);
  read_tls(root.table("tls"), c.tls, config_dir, read_file);
  read_retention(root.table("retention"), c.retention);
  read_products(root, c.products);
  root.reject_unknown_keys();
  return c;
}

Config load_config(const std::filesystem::path& file, const GetEnv& env, Secrets secrets) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("config", "cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  auto dir = std::filesystem::absolute(file).parent_path();
  return parse_config(text.str(), dir, env, secrets);
}

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string admin_token(const Config& config, const GetEnv& env) {
  if (config.server.admin_token_env.empty()) return "";
  return env(config.server.admin_token_env).value_or("");
}

}  // namespace shopd
