#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.h"
#include "core/error.h"
#include "core/job_kind.h"

namespace shopd {

namespace {

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
  if (t.find("vat_id"))  // the key of shopd before 2026-12: point the owner to its new home
    throw ConfigError("shop.vat_id", "has moved: write it as seller_tax_id under [invoice]");
  t.reject_unknown_keys();
  if (shop.name.empty()) throw ConfigError("shop.name", "must not be empty");
  if (shop.currency.size() != 3 || !std::all_of(shop.currency.begin(), shop.currency.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; }))
    throw ConfigError("shop.currency", "must be a 3-letter ISO 4217 code in upper case (got \"" + shop.currency + "\")");
  if (!is_http_url(shop.public_url)) throw ConfigError("shop.public_url", "must start with http:// or https://");
  while (!shop.public_url.empty() && shop.public_url.back() == '/') shop.public_url.pop_back();
}

void read_server(TableReader t, Config::Server& server) {
  std::string listen = server.host + ":" + std::to_string(server.port);
  t.string("listen", listen);
  parse_listen(listen, server);
  t.integer("threads", server.threads, 1, 1024);
  t.integer("max_body_bytes", server.max_body_bytes, 256, 64 * 1024 * 1024);
  t.string_list("cors_origins", server.cors_origins);
  t.string("admin_token_env", server.admin_token_env);
  t.integer("max_queued_writes", server.max_queued_writes, 1, 1000000);
  t.reject_unknown_keys();
}

void read_database(TableReader t, Config::Database& db, const std::filesystem::path& dir) {
  std::string path = "var/shop.db";
  t.string("path", path);
  if (path.empty()) throw ConfigError("database.path", "must not be empty");
  db.path = resolve(dir, path);
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
      for (auto kind : kAllJobKinds) known = known || kind_family(kind) == name;
      if (!known)
        throw ConfigError(t.key_path(name), "is not a job kind or family (payment, inventory, invoice, email, alert)");
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

void read_invoice(TableReader t, Config::Invoice& inv, const std::filesystem::path& dir) {
  // An optional export folder: the database holds every invoice's PDF.
  std::string inv_dir;
  t.string("dir", inv_dir);
  if (!inv_dir.empty()) inv.dir = resolve(dir, inv_dir);
  t.string("prefix", inv.prefix);
  t.number("tax_rate_percent", inv.tax_rate_percent, 0, 100);
  t.string("seller_tax_id", inv.seller_tax_id);
  t.reject_unknown_keys();
  if (inv.prefix.size() > 32) throw ConfigError("invoice.prefix", "must be at most 32 characters");
}

void read_alerts(TableReader t, Config::Alerts& a) {
  t.string("webhook_url", a.webhook_url);
  t.string("email", a.email);
  t.integer("timeout_seconds", a.timeout_seconds, 1, 600);
  t.number("digest_seconds", a.digest_seconds, 0, 86400);
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
  if (extra->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    throw ConfigError("tls.ca_file", tls.ca_file.string() + " holds no PEM certificate");
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
    t.reject_unknown_keys();
    if (p.sku.empty() || p.sku.size() > 64) throw ConfigError(t.key_path("sku"), "must be 1-64 characters");
    if (!skus.insert(p.sku).second) throw ConfigError(t.key_path("sku"), "duplicate sku \"" + p.sku + "\"");
    out.push_back(std::move(p));
  }
}

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
    doc = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "line " << e.source().begin.line << ", column " << e.source().begin.column << ": " << e.description();
    throw ConfigError("config", msg.str());
  }

  Config c;
  c.config_dir = config_dir;
  TableReader root(&doc, "");
  read_shop(root.table("shop"), c.shop);
  read_server(root.table("server"), c.server);
  read_database(root.table("database"), c.database, config_dir);
  read_worker(root.table("worker"), c.worker);
  read_retry(root.table("retry"), c.retry);
  read_payment(root.table("payment"), c.payment, env, secrets);
  read_email(root.table("email"), c.email, config_dir, env);
  read_invoice(root.table("invoice"), c.invoice, config_dir);
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
