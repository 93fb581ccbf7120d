// shop.toml (SPEC section 2) as parse_config reads it: every key, its
// defaults, and the one-line error that names the key at fault.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "config/config.h"
#include "core/error.h"

using namespace shopd;

namespace {

const std::filesystem::path kDir = "/srv/shop";

// SPEC section 2's example with every value changed from its default.
constexpr const char* kFullConfig = R"(
[shop]
name = "Demo Shop"
currency = "EUR"
public_url = "https://shop.example/"

[server]
listen = "0.0.0.0:9090"
max_connections = 512
idle_timeout_seconds = 30
request_timeout_seconds = 5
max_header_bytes = 8192
max_body_bytes = 32768
cors_origins = ["http://localhost:3000", "https://shop.example"]
admin_token_env = "MY_ADMIN_TOKEN"

[database]
path = "data/shop.db"
synchronous = "full"

[worker]
concurrency = 32
lease_seconds = 60

[retry]
max_attempts = 6
base_seconds = 0.05
max_seconds = 30

[retry.payment]
max_attempts = 3

[retry."email.confirmation"]
base_seconds = 5
max_seconds = 600

[payment]
provider = "stripe"
test_latency_ms = 250
api_base = "http://127.0.0.1:12111/"
secret_key_env = "MY_STRIPE_KEY"
timeout_seconds = 12

[email]
transport = "smtp"
dir = "/var/spool/shop-mail"
from = "Demo Shop <orders@shop.example>"
smtp_url = "smtps://mail.shop.example:465"
username_env = "MY_SMTP_USER"
password_env = "MY_SMTP_PASS"

[invoice]
dir = "invoices"
prefix = "RE-"
seller_tax_id = "DE123456789"

[alerts]
webhook_url = "https://chat.example/hooks/abc"
email = "team@shop.example"
provider_down_seconds = 600

[[products]]
sku = "MUG-01"
name = "Coffee mug"
price_cents = 1200
stock = 50

[[products]]
sku = "TEE-01"
name = "T-shirt"
price_cents = 2500
stock = 0
)";

constexpr const char* kMinimalConfig = R"(
[shop]
name = "Tiny"
currency = "CHF"
)";

using Env = std::map<std::string, std::string>;

GetEnv env_of(Env vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const Env kSecrets = {{"MY_STRIPE_KEY", "sk_test_123"}, {"MY_SMTP_USER", "mailer"}, {"MY_SMTP_PASS", "hunter2"}};

Config parse(const std::string& text, const Env& env = {}) { return parse_config(text, kDir, env_of(env)); }

// The error parse_config throws for `text`; fails the test if it parsed.
ConfigError error_for(const std::string& text, const Env& env = kSecrets) {
  try {
    parse(text, env);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("parsed without error:\n" << text);
  throw std::logic_error("unreachable");
}

// kFullConfig with the line starting with `prefix` replaced (or removed when `line` is empty).
std::string full_with(const std::string& prefix, const std::string& line, const std::string& section = "") {
  std::string text = kFullConfig;
  size_t from = section.empty() ? 0 : text.find("\n" + section + "\n");
  REQUIRE(from != std::string::npos);
  const size_t at = text.find("\n" + prefix, from);
  REQUIRE_MESSAGE(at != std::string::npos, prefix);
  const size_t end = text.find('\n', at + 1);
  text.replace(at + 1, end - at - 1, line);
  return text;
}

// kFullConfig with `lines` appended to the table `section`.
std::string full_plus(const std::string& section, const std::string& lines) {
  std::string text = kFullConfig;
  const size_t at = text.find("\n" + section + "\n");
  REQUIRE(at != std::string::npos);
  text.insert(at + section.size() + 2, lines + "\n");
  return text;
}

}  // namespace

TEST_SUITE("parse_config") {
  TEST_CASE("every key of the full example is read") {
    const Config c = parse(kFullConfig, kSecrets);
    CHECK(c.config_dir == kDir);
    CHECK(c.shop.name == "Demo Shop");
    CHECK(c.shop.currency == "EUR");
    CHECK(c.shop.public_url == "https://shop.example");  // trailing slash dropped for link building
    CHECK(c.server.host == "0.0.0.0");
    CHECK(c.server.port == 9090);
    CHECK(c.server.max_connections == 512);
    CHECK(c.server.idle_timeout_seconds == 30);
    CHECK(c.server.request_timeout_seconds == 5);
    CHECK(c.server.max_header_bytes == 8192);
    CHECK(c.warnings.empty());
    CHECK(c.server.max_body_bytes == 32768);
    CHECK(c.server.cors_origins == std::vector<std::string>{"http://localhost:3000", "https://shop.example"});
    CHECK(c.server.admin_token_env == "MY_ADMIN_TOKEN");
    CHECK(c.database.path == kDir / "data/shop.db");
    CHECK(c.database.synchronous == "full");
    CHECK(c.worker.concurrency == 32);
    CHECK(c.worker.lease_seconds == 60);
    CHECK(c.retry.defaults.max_attempts == 6);
    CHECK(c.retry.defaults.base_seconds == doctest::Approx(0.05));
    CHECK(c.retry.defaults.max_seconds == doctest::Approx(30));
    CHECK(c.payment.provider == "stripe");
    CHECK(c.payment.test_latency_ms == 250);
    CHECK(c.payment.api_base == "http://127.0.0.1:12111");
    CHECK(c.payment.secret_key_env == "MY_STRIPE_KEY");
    CHECK(c.payment.secret_key == "sk_test_123");
    CHECK(c.payment.timeout_seconds == 12);
    CHECK(c.email.transport == "smtp");
    CHECK(c.email.dir == "/var/spool/shop-mail");
    CHECK(c.email.from == "Demo Shop <orders@shop.example>");
    CHECK(c.email.smtp_url == "smtps://mail.shop.example:465");
    CHECK(c.email.username == "mailer");
    CHECK(c.email.password == "hunter2");
    CHECK(c.invoice.dir == kDir / "invoices");
    CHECK(c.invoice.prefix == "RE-");
    CHECK(c.invoice.seller_tax_id == "DE123456789");
    CHECK(c.alerts.webhook_url == "https://chat.example/hooks/abc");
    CHECK(c.alerts.email == "team@shop.example");
    CHECK(c.alerts.provider_down_seconds == 600);
    REQUIRE(c.products.size() == 2);
    CHECK(c.products[0].sku == "MUG-01");
    CHECK(c.products[0].name == "Coffee mug");
    CHECK(c.products[0].price_cents == 1200);
    CHECK(c.products[0].stock == 50);
    CHECK(c.products[1].stock == 0);
  }

  TEST_CASE("a config with only the shop's name and currency runs the demo defaults") {
    const Config c = parse(kMinimalConfig);
    CHECK(c.server.host == "127.0.0.1");
    CHECK(c.server.port == 8080);
    CHECK(c.server.max_connections == 1024);
    CHECK(c.server.idle_timeout_seconds == 60);
    CHECK(c.server.request_timeout_seconds == 10);
    CHECK(c.server.max_header_bytes == 16384);
    CHECK(c.server.max_body_bytes == 65536);
    CHECK(c.server.cors_origins.empty());
    CHECK(c.server.admin_token_env == "SHOPD_ADMIN_TOKEN");
    CHECK(c.database.path == kDir / "var/shop.db");
    CHECK(c.database.synchronous == "normal");
    CHECK(c.worker.concurrency == 16);
    CHECK(c.worker.lease_seconds == 120);
    CHECK(c.retry.defaults.max_attempts == 8);
    CHECK(c.retry.defaults.base_seconds == 2);
    CHECK(c.retry.defaults.max_seconds == 3600);
    CHECK(c.payment.provider == "test");
    CHECK(c.payment.secret_key.empty());
    CHECK(c.email.transport == "file");
    CHECK(c.email.dir == kDir / "var/mail");
    CHECK(c.invoice.dir.empty());  // no export folder: the database holds the invoices
    CHECK(c.invoice.prefix == "INV-");
    CHECK(c.invoice.seller_tax_id.empty());
    CHECK(c.alerts.webhook_url.empty());
    CHECK(c.alerts.provider_down_seconds == 900);
    CHECK(c.products.empty());
  }

  TEST_CASE("relative paths resolve against the config file's folder, absolute ones stay") {
    const Config c = parse_config(full_with("path =", R"(path = "./var/../db/shop.db")"), "/etc/shopd", env_of(kSecrets));
    CHECK(c.database.path == "/etc/shopd/db/shop.db");
    CHECK(c.invoice.dir == "/etc/shopd/invoices");
    CHECK(c.email.dir == "/var/spool/shop-mail");
    const Config abs = parse(full_with("path =", R"(path = "/data/shop.db")"), kSecrets);
    CHECK(abs.database.path == "/data/shop.db");
  }

  TEST_CASE("base_seconds accepts decimals and whole numbers") {
    CHECK(parse(full_with("base_seconds", "base_seconds = 2"), kSecrets).retry.defaults.base_seconds == 2.0);
    CHECK(parse(full_with("base_seconds", "base_seconds = 0.05"), kSecrets).retry.defaults.base_seconds ==
          doctest::Approx(0.05));
  }

  TEST_CASE("per-kind retry tables inherit the defaults and override what they name") {
    const Config c = parse(kFullConfig, kSecrets);
    const RetryPolicy& payment = c.retry.for_kind("payment.charge");
    CHECK(payment.max_attempts == 3);
    CHECK(payment.base_seconds == doctest::Approx(0.05));
    CHECK(payment.max_seconds == doctest::Approx(30));
    const RetryPolicy& email = c.retry.for_kind("email.confirmation");
    CHECK(email.max_attempts == 6);
    CHECK(email.base_seconds == 5);
    CHECK(email.max_seconds == 600);
    CHECK(c.retry.for_kind("email.payment_failed").base_seconds == doctest::Approx(0.05));  // no family table
    CHECK(c.retry.for_kind("invoice.generate").max_attempts == 6);
  }

  TEST_CASE("an unknown key stops startup, named with its table") {
    CHECK(error_for(full_plus("[server]", "port = 8080")).key == "server.port");
    CHECK(error_for(full_plus("[shop]", "nmae = \"typo\"")).key == "shop.nmae");
    CHECK(error_for(full_plus("[database]", "journal = \"wal\"")).key == "database.journal");
    CHECK(error_for(full_plus("[retry.payment]", "attempts = 2")).key == "retry.payment.attempts");
    CHECK(error_for(std::string(kFullConfig) + "\n[[products]]\nsku = \"X\"\nname = \"X\"\nprice_cents = 1\nstock = 1\n"
                                               "colour = \"red\"\n")
              .key == "products[2].colour");
    CHECK(error_for(std::string("verbose = true\n") + kFullConfig).key == "verbose");
    CHECK(error_for(std::string(kFullConfig) + "\n[logging]\nlevel = \"debug\"\n").key == "logging");
  }

  TEST_CASE("an old config with shop.vat_id stops startup and says where the key moved") {
    const ConfigError e = error_for(full_plus("[shop]", "vat_id = \"DE123456789\""));
    CHECK(e.key == "shop.vat_id");
    CHECK(std::string(e.what()).find("seller_tax_id under [invoice]") != std::string::npos);
  }

  TEST_CASE("a secret written into the file is refused: secrets come only from the environment") {
    CHECK(error_for(full_plus("[payment]", "secret_key = \"sk_live_123\"")).key == "payment.secret_key");
    CHECK(error_for(full_plus("[email]", "password = \"hunter2\"")).key == "email.password");
    CHECK(error_for(full_plus("[server]", "admin_token = \"t\"")).key == "server.admin_token");
  }

  TEST_CASE("a database url puts the shop on PostgreSQL; the path stays for copy-db") {
    const Config c = parse(full_plus("[database]", "url = \"postgresql://shop@db.internal:5432/shop\""), kSecrets);
    CHECK(c.database.url == "postgresql://shop@db.internal:5432/shop");
    CHECK(c.database.path == kDir / "data/shop.db");
    CHECK(parse(kFullConfig, kSecrets).database.url.empty());  // SQLite by default
  }

  TEST_CASE("a database url that is not a PostgreSQL URI, or that carries a password, is refused") {
    for (const char* url : {"mysql://db/shop", "db.internal:5432", "postgresql://shop:hunter2@db.internal/shop",
                            "postgres://db.internal/shop?password=hunter2"}) {
      CAPTURE(url);
      CHECK(error_for(full_plus("[database]", std::string("url = \"") + url + "\"")).key == "database.url");
    }
    CHECK_FALSE(database_url_problem("postgres://db.internal/shop?sslmode=require"));
    CHECK_FALSE(database_url_problem("postgresql:///shop?host=/run/postgresql"));
    CHECK_FALSE(database_url_problem("postgresql://shop@[::1]:5432/shop"));
  }

  TEST_CASE("an old config with server.threads still starts, with a warning that the key does nothing") {
    for (const char* value : {"8", "64", "\"8\""}) {
      const Config c = parse(full_plus("[server]", std::string("threads = ") + value), kSecrets);
      REQUIRE(c.warnings.size() == 1);
      CHECK(c.warnings[0].starts_with("server.threads is no longer used"));
      CHECK(c.server.max_connections == 512);
    }
  }

  TEST_CASE("a retry table that is not a job kind or family is refused") {
    CHECK(error_for(std::string(kFullConfig) + "\n[retry.paymnet]\nmax_attempts = 2\n").key == "retry.paymnet");
    CHECK(error_for(full_plus("[retry]", "jitter = true")).key == "retry.jitter");
    const auto e = error_for(std::string(kFullConfig) + "\n[retry.paymnet]\nmax_attempts = 2\n");
    CHECK(std::string(e.what()).find("(payment, inventory, invoice, email, alert, credit_note)") != std::string::npos);
  }

  TEST_CASE("the after-sale kinds and the credit note family take retry overrides") {
    const auto c = parse(std::string(kFullConfig) + "\n[retry.\"payment.refund\"]\nmax_attempts = 3\n"
                                                    "[retry.credit_note]\nmax_attempts = 4\n",
                         kSecrets);
    CHECK(c.retry.for_kind("payment.refund").max_attempts == 3);
    CHECK(c.retry.for_kind("credit_note.generate").max_attempts == 4);
  }

  TEST_CASE("credit notes are numbered with their own prefix, CN- unless set") {
    CHECK(parse(kMinimalConfig).invoice.credit_note_prefix == "CN-");
    CHECK(parse(full_plus("[invoice]", "credit_note_prefix = \"GS-\""), kSecrets).invoice.credit_note_prefix == "GS-");
    for (const char* bad : {"\"\"", "\"RE-\"", "\"CN/\"", "\"C N\""}) {
      CAPTURE(bad);
      CHECK(error_for(full_plus("[invoice]", std::string("credit_note_prefix = ") + bad)).key ==
            "invoice.credit_note_prefix");
    }
  }

  TEST_CASE("a wrong type stops startup, naming the key and the type expected") {
    struct Case {
      std::string text;
      std::string key;
    };
    const std::vector<Case> cases = {
        {full_with("max_connections", "max_connections = \"8\""), "server.max_connections"},
        {full_with("max_body_bytes", "max_body_bytes = 65536.0"), "server.max_body_bytes"},
        {full_with("listen", "listen = 8080"), "server.listen"},
        {full_with("cors_origins", "cors_origins = \"http://localhost:3000\""), "server.cors_origins"},
        {full_with("cors_origins", "cors_origins = [\"http://a.example\", 3]"), "server.cors_origins[1]"},
        {full_with("synchronous", "synchronous = true"), "database.synchronous"},
        {full_with("concurrency", "concurrency = 1.5"), "worker.concurrency"},
        {full_with("base_seconds", "base_seconds = \"2s\""), "retry.base_seconds"},
        {full_with("name = \"Demo", "name = [\"Demo Shop\"]"), "shop.name"},
        {full_with("price_cents = 1200", "price_cents = 12.00"), "products[0].price_cents"},
        {full_with("stock = 50", "stock = \"50\""), "products[0].stock"},
        {"server = 1\n" + std::string(kMinimalConfig), "server"},
        {"products = [1, 2]\n" + std::string(kMinimalConfig), "products"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.key);
      const ConfigError e = error_for(c.text);
      CHECK(e.key == c.key);
      CHECK(std::string(e.what()).starts_with(c.key + ": must be"));
    }
  }

  TEST_CASE("a missing required value stops startup, naming the key") {
    CHECK(error_for(full_with("name = \"Demo", "")).key == "shop.name");
    CHECK(error_for(full_with("currency", "")).key == "shop.currency");
    CHECK(error_for("[server]\nthreads = 2\n").key == "shop.name");
    CHECK(error_for(full_with("sku = \"MUG-01\"", "")).key == "products[0].sku");
    CHECK(error_for(full_with("price_cents = 2500", "")).key == "products[1].price_cents");
    CHECK(error_for(full_with("stock = 50", "")).key == "products[0].stock");
    CHECK(error_for(full_with("name = \"T-shirt\"", "")).key == "products[1].name");
    CHECK(error_for("").key == "shop.name");
  }

  TEST_CASE("values out of range or not among the choices are refused") {
    struct Case {
      std::string text;
      std::string key;
    };
    const std::vector<Case> cases = {
        {full_with("max_connections", "max_connections = 0"), "server.max_connections"},
        {full_with("request_timeout_seconds", "request_timeout_seconds = 0"), "server.request_timeout_seconds"},
        {full_with("idle_timeout_seconds", "idle_timeout_seconds = 0"), "server.idle_timeout_seconds"},
        {full_with("max_header_bytes", "max_header_bytes = 100"), "server.max_header_bytes"},
        {full_with("max_body_bytes", "max_body_bytes = 0"), "server.max_body_bytes"},
        {full_with("listen", "listen = \"localhost\""), "server.listen"},
        {full_with("listen", "listen = \"127.0.0.1:99999\""), "server.listen"},
        {full_with("listen", "listen = \"127.0.0.1:http\""), "server.listen"},
        {full_with("synchronous", "synchronous = \"off\""), "database.synchronous"},
        {full_with("path =", "path = \"\""), "database.path"},
        {full_with("concurrency", "concurrency = 0"), "worker.concurrency"},
        {full_with("lease_seconds", "lease_seconds = -1"), "worker.lease_seconds"},
        {full_with("max_attempts = 6", "max_attempts = 0"), "retry.max_attempts"},
        {full_with("base_seconds", "base_seconds = -1"), "retry.base_seconds"},
        {full_with("base_seconds", "base_seconds = nan"), "retry.base_seconds"},
        {full_with("max_seconds = 30", "max_seconds = 0.01"), "retry.max_seconds"},
        {full_with("provider", "provider = \"paypal\""), "payment.provider"},
        {full_with("api_base", "api_base = \"api.stripe.com\""), "payment.api_base"},
        {full_with("transport", "transport = \"sendmail\""), "email.transport"},
        {full_with("smtp_url", "smtp_url = \"mail.shop.example:465\""), "email.smtp_url"},
        {full_with("from", "from = \"Demo Shop\""), "email.from"},
        {full_with("webhook_url", "webhook_url = \"chat.example/hook\""), "alerts.webhook_url"},
        {full_with("provider_down_seconds", "provider_down_seconds = -1"), "alerts.provider_down_seconds"},
        {full_with("currency", "currency = \"eur\""), "shop.currency"},
        {full_with("currency", "currency = \"EURO\""), "shop.currency"},
        {full_with("public_url", "public_url = \"shop.example\""), "shop.public_url"},
        {full_with("price_cents = 1200", "price_cents = -1"), "products[0].price_cents"},
        {full_with("stock = 0", "stock = -5"), "products[1].stock"},
        {full_with("sku = \"TEE-01\"", "sku = \"MUG-01\""), "products[1].sku"},
        {full_with("sku = \"MUG-01\"", "sku = \"" + std::string(65, 'S') + "\""), "products[0].sku"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.key);
      CHECK(error_for(c.text).key == c.key);
    }
  }

  TEST_CASE("a TOML syntax error names the line") {
    const ConfigError e = error_for("[shop]\nname = \"Demo\ncurrency = \"EUR\"\n");
    CHECK(e.key == "config");
    CHECK(std::string(e.what()).find("line 2") != std::string::npos);
  }

  // Found by tests/fuzz/config_fuzz.cpp: Debian's toml++ 3.3.0 reaches
  // __builtin_unreachable() when it asks whether characters such as U+00E9
  // or U+0154 are whitespace. parse_config keeps them from that question.
  TEST_CASE("a non-ASCII character outside quotes is a config error naming its line and column") {
    for (const std::string stray : {"\xC5\x94 = 1", "address = \"x\" \xC3\xA9", "\xCC\xAA", "address = \xFF"}) {
      const ConfigError e = error_for(std::string(kMinimalConfig) + stray + "\n");
      CAPTURE(e.what());
      CHECK(e.key == "config");
      CHECK(std::string(e.what()).find("line 5, column ") != std::string::npos);
      CHECK(std::string(e.what()).find("outside quotes") != std::string::npos);
    }
  }

  // toml++ looks ahead over a value's characters before it finds the value
  // broken, quotes and what they enclose included.
  TEST_CASE("a value broken by a quote before non-ASCII text is a config error naming its line") {
    for (const std::string broken : {"address = 4\"\xC3\xA9\"", "address = 1979-05-27 [\"\xC3\xA9\"",
                                     "address = 1.'\xC3\xA9'", "address = 4\"[da[\"\xC3\x84 x"}) {
      const ConfigError e = error_for(std::string(kMinimalConfig) + broken + "\n");
      CAPTURE(e.what());
      CHECK(e.key == "config");
      CHECK(std::string(e.what()).find("line 5") != std::string::npos);
    }
  }

  TEST_CASE("non-ASCII text in quoted strings, quoted keys and comments is read as written") {
    const Config c = parse(R"(# Grüße
[shop] # Café
"name" = "Zoë's Café"
currency = "EUR" # €
address = '''
Ärger\
  """Straße""" 1'''''

[invoice]
"seller_tax_id" = 'É-1 "a"\b'

[server]
cors_origins = [ # Übersicht
  "https://ö.example",
  'https://ä.example' ]

[[products]]
sku = "A"
name = """
Été"""
price_cents = 1
stock = 1
)");
    CHECK(c.shop.name == "Zoë's Café");
    CHECK(c.shop.address == "Ärger\\\n  \"\"\"Straße\"\"\" 1''");
    CHECK(c.invoice.seller_tax_id == "É-1 \"a\"\\b");
    CHECK(c.server.cors_origins == std::vector<std::string>{"https://ö.example", "https://ä.example"});
    REQUIRE(c.products.size() == 1);
    CHECK(c.products[0].name == "Été");
  }

  TEST_CASE("a multi-line string continued by a backslash may go on with a non-ASCII letter") {
    const Config c = parse(std::string(kMinimalConfig) + "address = \"\"\"\\\n    Ärzte GmbH, \\\n\n  😀 Straße 1\"\"\"\n");
    CHECK(c.shop.address == "Ärzte GmbH, 😀 Straße 1");
  }

  TEST_CASE("a backslash before a non-ASCII character in a multi-line string is a config error") {
    const ConfigError e = error_for(std::string(kMinimalConfig) + "address = \"\"\"a\\é\"\"\"\n");
    CAPTURE(e.what());
    CHECK(e.key == "config");
    CHECK(std::string(e.what()).find("line 5, column 16") != std::string::npos);
  }

  TEST_CASE("a UTF-8 byte order mark before the first line is accepted") {
    CHECK(parse("\xEF\xBB\xBF" + std::string(kMinimalConfig)).shop.name == "Tiny");
  }

  TEST_CASE("every error is one line that starts with the key") {
    for (const std::string& text : {full_plus("[server]", "port = 1"), full_with("max_connections", "max_connections = \"8\""),
                                    full_with("currency", ""), std::string("[shop\n")}) {
      const ConfigError e = error_for(text);
      const std::string line = e.what();
      CAPTURE(line);
      CHECK(line.find('\n') == std::string::npos);
      CHECK(line.starts_with(e.key + ": "));
    }
  }

  // Found by tests/fuzz/config_fuzz.cpp: an error that echoes part of the
  // file (toml++'s "saw '...'", a quoted key, a value) carried its control
  // characters, so a line break in the file broke the one-line error.
  TEST_CASE("control characters the file holds are shown escaped in the one-line error") {
    const ConfigError raw = error_for(std::string(kMinimalConfig) + "[retry]\nmax_seconds = i\x0E\n");
    CHECK(std::string(raw.what()).find("saw 'i\\x0E'") != std::string::npos);
    const ConfigError key = error_for(std::string(kMinimalConfig) + "\"un\\nknown\" = 1\n");
    CHECK(key.key == "shop.un\\nknown");
    CHECK(std::string(key.what()) == "shop.un\\nknown: unknown key");
    const ConfigError value = error_for("[shop]\nname = \"x\"\ncurrency = \"E\\u007FR\\tX\"\n");
    CHECK(std::string(value.what()).find("(got \"E\\x7FR\\tX\")") != std::string::npos);
  }

  TEST_CASE("stripe needs its secret key in the named environment variable") {
    Env no_key = kSecrets;
    no_key.erase("MY_STRIPE_KEY");
    const ConfigError missing = error_for(kFullConfig, no_key);
    CHECK(missing.key == "payment.secret_key_env");
    CHECK(std::string(missing.what()).find("MY_STRIPE_KEY") != std::string::npos);
    Env empty_key = kSecrets;
    empty_key["MY_STRIPE_KEY"] = "";
    CHECK(error_for(kFullConfig, empty_key).key == "payment.secret_key_env");
    // The test provider needs no secret.
    CHECK(parse(full_with("provider", "provider = \"test\""), no_key).payment.secret_key.empty());
  }

  TEST_CASE("SMTP credentials come from the named variables and are optional") {
    const Config c = parse(kFullConfig, {{"MY_STRIPE_KEY", "sk"}});
    CHECK(c.email.username.empty());
    CHECK(c.email.password.empty());
  }

  TEST_CASE("the admin token is read from the named variable at call time") {
    const Config c = parse(kFullConfig, kSecrets);
    CHECK(admin_token(c, env_of({})).empty());
    CHECK(admin_token(c, env_of({{"MY_ADMIN_TOKEN", "s3cret"}})) == "s3cret");
    CHECK(admin_token(c, env_of({{"SHOPD_ADMIN_TOKEN", "wrong-variable"}})).empty());
  }

  TEST_CASE("tls.ca_file is trusted on top of the system store; a missing or unreadable one is refused") {
    const std::string text = full_plus("[alerts]", "") + "\n[tls]\nca_file = \"certs/company-ca.pem\"\n";
    const std::string company_ca = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    std::filesystem::path asked;
    const auto files = [&](const std::filesystem::path& p) -> std::optional<std::string> {
      if (p == kSystemCaBundle) return "SYSTEM\n";
      asked = p;
      return std::nullopt;
    };
    const auto refused = [&](const ReadFile& read) {
      try {
        parse_config(text, kDir, env_of(kSecrets), Secrets::Required, read);
      } catch (const ConfigError& e) {
        return std::string(e.what());
      }
      return std::string("parsed");
    };
    CHECK(refused(files) == "tls.ca_file: cannot read /srv/shop/certs/company-ca.pem");
    CHECK(asked == kDir / "certs/company-ca.pem");
    CHECK(refused([&](const std::filesystem::path& p) -> std::optional<std::string> {
            return p == kSystemCaBundle ? "SYSTEM\n" : company_ca;
          }) == "tls.ca_file: /srv/shop/certs/company-ca.pem holds a PEM block that cannot be read (corrupt or "
                "truncated)");
    CHECK(parse(kFullConfig, kSecrets).tls.ca_bundle.empty());  // no ca_file: libcurl's own default
  }

  TEST_CASE("load_config resolves paths against the file's folder and reports an unreadable file") {
    const ConfigError e = [] {
      try {
        load_config("/nonexistent/shop.toml", env_of({}));
      } catch (const ConfigError& err) {
        return err;
      }
      FAIL("loaded a file that does not exist");
      throw std::logic_error("unreachable");
    }();
    CHECK(e.key == "config");
    CHECK(std::string(e.what()).find("/nonexistent/shop.toml") != std::string::npos);
  }
}
