// Catalog and operations routes: GET /products, /healthz, /readyz, /metrics.
#include "http/error_response.h"
#include "http/server.h"
#include "outbox/worker.h"
#include "store/alert_store.h"
#include "store/database.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"

namespace shopd {

namespace {

void get_products(Services& s, httplib::Response& res) {
  const auto products = s.store.read([](store::Connection& db) { return store::list_products(db); });
  nlohmann::json data = nlohmann::json::array();
  for (const auto& p : products) {
    nlohmann::json product = {{"sku", p.sku}, {"name", p.name}, {"price_cents", p.price_cents}, {"stock", p.stock}};
    // SPEC's shape, plus the category where it is not the default: a
    // catalogue without categories reads as it always did.
    if (p.vat_category && *p.vat_category != tax::VatCategory::Standard)
      product["vat_category"] = tax::to_string(*p.vat_category);
    data.push_back(std::move(product));
  }
  send_json(res, 200, {{"data", data}});
}

void get_readyz(Services& s, httplib::Response& res) {
  // Writable: the writer can take the write lock and commit. After a write
  // the database refused, the probe must reach the file: a commit that
  // changes nothing succeeds even on a full disk. Exceptions become 503 in
  // the server's exception handler.
  store::Writer& writer = s.store.writer();
  const bool was_available = writer.available();
  writer.run_always([&](store::Tx& tx) { was_available ? store::ping(tx.db) : tx.db.rewrite_header(); });
  if (!writer.available())
    return send_error(res, 503, "unavailable",
                      "the database refused writes a moment ago (disk full, I/O error or a long lock); see the log");
  if (!s.worker.alive()) return send_error(res, 503, "unavailable", "the worker is not running");
  send_json(res, 200, {{"status", "ready"}});
}

std::string outbox_gauges(Services& s) {
  const TimePoint now = SystemClock().now();
  struct Snapshot {
    std::map<JobState, int64_t> jobs;
    std::map<OrderStatus, int64_t> orders;
    std::optional<TimePoint> oldest_due;
    int64_t undelivered_alerts = 0;
  };
  const auto snap = s.store.read([&](store::Connection& db) {
    return Snapshot{store::count_jobs_by_state(db), store::count_orders_by_status(db), store::oldest_due_at(db, now),
                    store::count_undelivered_alerts_ever(db)};
  });
  std::vector<GaugeSample> jobs, orders;
  for (const auto& [state, name] : kJobStateNames) {
    auto it = snap.jobs.find(state);
    jobs.push_back({{{"state", std::string(name)}}, static_cast<double>(it == snap.jobs.end() ? 0 : it->second)});
  }
  for (const auto& [status, name] : kOrderStatusNames) {
    auto it = snap.orders.find(status);
    orders.push_back({{{"status", std::string(name)}}, static_cast<double>(it == snap.orders.end() ? 0 : it->second)});
  }
  const double oldest = snap.oldest_due ? std::chrono::duration<double>(now - *snap.oldest_due).count() : 0.0;
  std::string out;
  // A count of rows that are never deleted, so it only grows: a counter, read
  // from the database so it survives restarts and adds up across nodes.
  render_counter(out, "shopd_alerts_undelivered_total",
                 "Team alerts that no channel delivered (see `shopd check` and the alerts table).",
                 static_cast<double>(snap.undelivered_alerts));
  render_gauge(out, "shopd_outbox_jobs", "Outbox jobs by state.", jobs);
  render_gauge(out, "shopd_outbox_oldest_due_seconds",
               "Age of the oldest job that is due and not running (0 when none): the worker's backlog.",
               {{{}, oldest}});
  render_gauge(out, "shopd_orders", "Orders by status.", orders);
  render_gauge(out, "shopd_writer_queue_depth", "Writes waiting for the single writer.",
               {{{}, static_cast<double>(s.store.writer().queued())}});
  render_gauge(out, "shopd_database_writable",
               "1 while the database takes writes; 0 from a refused write (disk full, I/O error, a lock held "
               "past database.busy_timeout_ms) until a write reaches the file again.",
               {{{}, s.store.writer().available() ? 1.0 : 0.0}});
  render_counter(out, "shopd_database_write_failures_total",
                 "Writes the database refused (each answered 503 or retried by the worker).",
                 static_cast<double>(s.store.writer().failed_writes()));
  render_gauge(out, "shopd_worker_jobs_in_flight", "Jobs claimed by this process and not finished.",
               {{{}, static_cast<double>(s.worker.in_flight())}});
  render_gauge(out, "shopd_sqlite_memory_bytes", "Memory SQLite holds (page caches, statements).",
               {{{}, static_cast<double>(s.store.engine_memory_bytes())}});
  if (s.connections) {
    const auto c = s.connections->counts();
    render_gauge(out, "shopd_http_connections", "Client connections open (each has its own thread).",
                 {{{}, static_cast<double>(c.open)}});
    render_counter(out, "shopd_http_connections_evicted_total",
                   "Connections closed while waiting on their client, to make room at server.max_connections.",
                   static_cast<double>(c.evicted));
    render_counter(out, "shopd_http_connections_refused_total",
                   "Connections closed unanswered: every connection was busy at server.max_connections.",
                   static_cast<double>(c.refused));
  }
  return out;
}

void get_metrics(Services& s, httplib::Response& res) {
  std::string body = s.metrics.render() + outbox_gauges(s);
  res.status = 200;
  res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

void register_ops_routes(httplib::Server& svr, Services& s) {
  add_route(svr, "GET", "/products", "/products", [&s](const auto&, auto& res) { get_products(s, res); });
  add_route(svr, "GET", "/healthz", "/healthz", [](const auto&, auto& res) { send_json(res, 200, {{"status", "ok"}}); });
  add_route(svr, "GET", "/readyz", "/readyz", [&s](const auto&, auto& res) { get_readyz(s, res); });
  add_route(svr, "GET", "/metrics", "/metrics", [&s](const auto&, auto& res) { get_metrics(s, res); });
}

}  // namespace shopd
