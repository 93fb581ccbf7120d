// The owner's API under /admin/, behind `Authorization: Bearer <token>`
// (server.admin_token_env). Lists use cursor pagination: `after` is the last
// id of the previous page; ids are UUIDv7, so "newest first" is "id DESC" and
// a page never shifts when new orders arrive.
#include <algorithm>
#include <charconv>

#include "core/sha256.h"
#include "core/uuid7.h"
#include "http/error_response.h"
#include "http/request_context.h"
#include "http/server.h"
#include "http/validate_order.h"
#include "outbox/job_state.h"
#include "core/job_kind.h"
#include "outbox/owner_actions.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"

namespace shopd {

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

// Answers 403 / 401 and returns false unless the request carries the admin token.
bool authorized(const Services& s, const httplib::Request& req, httplib::Response& res) {
  if (s.admin_token.empty()) {
    send_error(res, 403, "admin_disabled",
               "the admin API is off: set the environment variable named by server.admin_token_env");
    return false;
  }
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool ok = header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0 &&
                  constant_time_equals(std::string_view(header).substr(kBearer.size()), s.admin_token);
  if (!ok) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthorized", "missing or wrong bearer token");
  }
  return ok;
}

struct Page {
  int limit = kDefaultPageSize;
  std::optional<std::string> after;
};

std::variant<Page, FieldError> read_page(const httplib::Request& req) {
  Page page;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    int limit = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || ptr != v.data() + v.size() || limit < 1 || limit > kMaxPageSize)
      return FieldError{400, "invalid_request", "limit must be an integer from 1 to 200", "limit"};
    page.limit = limit;
  }
  if (req.has_param("after") && !req.get_param_value("after").empty()) {
    page.after = req.get_param_value("after");
    if (!is_uuid(*page.after)) return FieldError{400, "invalid_request", "after must be an id from next_cursor", "after"};
  }
  return page;
}

// Fetches one row more than asked to know whether another page exists.
template <class Row, class ToJson>
nlohmann::json paged(std::vector<Row> rows, int limit, ToJson to_json) {
  nlohmann::json data = nlohmann::json::array();
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.resize(static_cast<size_t>(limit));
  for (const auto& r : rows) data.push_back(to_json(r));
  nlohmann::json next = more ? nlohmann::json(rows.back().id) : nlohmann::json(nullptr);
  return {{"data", data}, {"next_cursor", next}};
}

nlohmann::json nullable(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

nlohmann::json job_json(const store::Job& j) {
  return {{"id", j.id},           {"order_id", j.order_id},     {"kind", j.kind},
          {"state", to_string(j.state)}, {"attempts", j.attempts},   {"max_attempts", j.max_attempts},
          {"run_at", j.run_at},   {"last_error", nullable(j.last_error)}, {"created_at", j.created_at},
          {"updated_at", j.updated_at}};
}

template <class T>
nlohmann::json nullable(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json attempt_json(const store::Attempt& a) {
  return {{"attempt", a.attempt},
          {"started_at", a.started_at},
          {"finished_at", nullable(a.finished_at)},
          {"duration_ms", nullable(a.duration_ms)},
          {"outcome", to_string(a.outcome)},
          {"error",
           a.error_code ? nlohmann::json{{"code", *a.error_code},
                                         {"message", nullable(a.error_message)},
                                         {"provider_status", nullable(a.provider_status)},
                                         {"body_excerpt", nullable(a.body_excerpt)},
                                         {"where", nullable(a.error_where)}}
                        : nlohmann::json(nullptr)}};
}

nlohmann::json order_row_json(const store::OrderRow& o) {
  return {{"id", o.id},
          {"status", to_string(o.status)},
          {"total_cents", o.total_cents},
          {"currency", o.currency},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

void list_orders(Services& s, const httplib::Request& req, httplib::Response& res) {
  auto page = read_page(req);
  if (auto* e = std::get_if<FieldError>(&page)) return send_error(res, *e);
  const auto& p = std::get<Page>(page);
  auto rows = s.store.read([&](store::Connection& db) { return store::list_orders(db, p.limit + 1, p.after); });
  send_json(res, 200, paged(std::move(rows), p.limit, order_row_json));
}

void list_jobs(Services& s, const httplib::Request& req, httplib::Response& res) {
  auto page = read_page(req);
  if (auto* e = std::get_if<FieldError>(&page)) return send_error(res, *e);
  const auto& p = std::get<Page>(page);
  std::optional<JobState> state;
  if (req.has_param("state") && !req.get_param_value("state").empty()) {
    state = parse_job_state(req.get_param_value("state"));
    if (!state) return send_error(res, 400, "invalid_request", "state must be " + names_list(kJobStateNames), "state");
  }
  auto rows = s.store.read([&](store::Connection& db) { return store::list_jobs(db, state, p.limit + 1, p.after); });
  send_json(res, 200, paged(std::move(rows), p.limit, job_json));
}

std::optional<nlohmann::json> job_detail(store::Connection& db, const std::string& id) {
  auto job = store::find_job(db, id);
  if (!job) return std::nullopt;
  nlohmann::json body = job_json(*job);
  body["payload"] = nlohmann::json::parse(job->payload, nullptr, false);
  nlohmann::json attempts = nlohmann::json::array();
  for (const auto& a : store::attempts_for_job(db, id)) attempts.push_back(attempt_json(a));
  // `attempts` stays the count of the SPEC job shape; every attempt's record
  // is listed under the name of the table that holds it.
  body["job_attempts"] = attempts;
  body["unreachable_attempts"] = job->unreachable_attempts;
  body["unreachable_since"] = job->unreachable_since ? nlohmann::json(*job->unreachable_since) : nlohmann::json();
  return body;
}

void send_owner_action_error(httplib::Response& res, const OwnerActionError& e) {
  const int status = e.kind == OwnerActionError::Kind::NotFound ? 404 : 409;
  send_error(res, status, std::string(e.code()), e.message);
}

void get_job(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  auto body = s.store.read([&](store::Connection& db) { return job_detail(db, id); });
  if (!body) return send_error(res, 404, "not_found", "no job with this id");
  send_json(res, 200, *body);
}

void retry_job(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const auto error = s.store.writer().run_always(
      [&](store::Tx& tx) { return retry_dead_job(tx, id, s.config, SystemClock().now()); });
  if (error) return send_owner_action_error(res, *error);
  auto body = s.store.read([&](store::Connection& db) { return job_detail(db, id); });
  send_json(res, 200, *body);
}

void discard_job(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const auto error =
      s.store.writer().run_always([&](store::Tx& tx) { return discard_dead_job(tx, id, SystemClock().now()); });
  if (error) return send_owner_action_error(res, *error);
  auto body = s.store.read([&](store::Connection& db) { return job_detail(db, id); });
  send_json(res, 200, *body);
}

struct BulkRequest {
  BulkAction action = BulkAction::Retry;
  std::optional<std::string> kind;
};

std::variant<BulkRequest, FieldError> read_bulk_request(const nlohmann::json& body) {
  auto invalid = [](std::string field, std::string msg) { return FieldError{400, "invalid_request", msg, field}; };
  if (!body.is_object()) return invalid("", "request body must be a JSON object");
  BulkRequest r;
  const auto action = body.find("action");
  if (action == body.end() || !action->is_string() || (*action != "retry" && *action != "discard"))
    return invalid("action", "action must be \"retry\" or \"discard\"");
  r.action = *action == "retry" ? BulkAction::Retry : BulkAction::Discard;
  // Only dead jobs can be acted on; "state" may say so, and nothing else.
  const auto state = body.find("state");
  if (state != body.end() &&
      (!state->is_string() || parse_job_state(state->get_ref<const std::string&>()) != JobState::Dead))
    return invalid("state", "state must be \"dead\": only dead jobs can be retried or discarded");
  const auto kind = body.find("kind");
  if (kind != body.end() && !kind->is_null()) {
    if (!kind->is_string() || !is_job_kind(kind->get_ref<const std::string&>()))
      return invalid("kind", "kind must be one of the job kinds, e.g. \"payment.charge\"");
    r.kind = kind->get<std::string>();
  }
  return r;
}

void bulk_jobs(Services& s, const httplib::Request& req, httplib::Response& res) {
  if (reject_non_json(req, res)) return;
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return send_error(res, *e);
  auto bulk = read_bulk_request(std::get<nlohmann::json>(parsed));
  if (auto* e = std::get_if<FieldError>(&bulk)) return send_error(res, *e);
  const auto& r = std::get<BulkRequest>(bulk);
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return act_on_dead_jobs(tx, r.action, r.kind, s.config, SystemClock().now()); });
  nlohmann::json body = {{"affected", outcome.affected}};
  if (outcome.out_of_stock > 0) body["out_of_stock"] = outcome.out_of_stock;
  send_json(res, 200, body);
}

std::variant<store::Product, FieldError> read_product(const std::string& sku, const nlohmann::json& body) {
  auto invalid = [](std::string field, std::string msg) { return FieldError{400, "invalid_request", msg, field}; };
  if (!is_valid_sku(sku)) return invalid("sku", "sku must be 1-64 printable ASCII characters");
  if (!body.is_object()) return invalid("", "request body must be a JSON object");
  store::Product p{sku, "", 0, 0};
  const auto name = body.find("name");
  if (name == body.end() || !name->is_string() || name->get_ref<const std::string&>().empty() ||
      utf8_length(name->get_ref<const std::string&>()) > kMaxTextChars)
    return invalid("name", "must be a string of 1-200 characters");
  p.name = name->get<std::string>();
  const auto price = body.find("price_cents");
  if (price == body.end() || !price->is_number_integer() || price->get<int64_t>() < 0 ||
      price->get<int64_t>() > 10'000'000'000LL)
    return invalid("price_cents", "must be an integer number of cents, 0 or more");
  p.price_cents = price->get<int64_t>();
  const auto stock = body.find("stock");
  if (stock == body.end() || !stock->is_number_integer() || stock->get<int64_t>() < 0 ||
      stock->get<int64_t>() > 1'000'000'000LL)
    return invalid("stock", "must be an integer, 0 or more");
  p.stock = stock->get<int64_t>();
  // Optional (SPEC section 12): absent keeps the product's category.
  if (const auto category = body.find("vat_category"); category != body.end() && !category->is_null()) {
    p.vat_category = category->is_string() ? tax::parse_vat_category(category->get<std::string>()) : std::nullopt;
    if (!p.vat_category) return invalid("vat_category", "must be one of standard, reduced, super_reduced, zero");
  }
  return p;
}

void put_product(Services& s, const httplib::Request& req, httplib::Response& res) {
  if (reject_non_json(req, res)) return;
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return send_error(res, *e);
  auto product = read_product(req.matches[1], std::get<nlohmann::json>(parsed));
  if (auto* e = std::get_if<FieldError>(&product)) return send_error(res, *e);
  const auto& p = std::get<store::Product>(product);
  const auto saved = s.store.writer().run_always([&](store::Tx& tx) {
    const bool created = store::upsert_product(tx, p, SystemClock().now());
    return std::pair{created, store::find_product(tx.db, p.sku)->vat_category};
  });
  nlohmann::json body = {{"sku", p.sku}, {"name", p.name}, {"price_cents", p.price_cents}, {"stock", p.stock}};
  const auto category = saved.second.value_or(tax::VatCategory::Standard);
  if (p.vat_category || category != tax::VatCategory::Standard) body["vat_category"] = tax::to_string(category);
  send_json(res, saved.first ? 201 : 200, body);
}

// Wraps a handler with the token check.
RouteHandler admin(Services& s, void (*handler)(Services&, const httplib::Request&, httplib::Response&)) {
  return [&s, handler](const httplib::Request& req, httplib::Response& res) {
    if (authorized(s, req, res)) handler(s, req, res);
  };
}

}  // namespace

RouteHandler admin_only(Services& s, RouteHandler handler) {
  return [&s, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    if (authorized(s, req, res)) handler(req, res);
  };
}

void register_admin_routes(httplib::Server& svr, Services& s) {
  add_route(svr, "GET", "/admin/orders", "/admin/orders", admin(s, list_orders));
  add_route(svr, "GET", "/admin/jobs", "/admin/jobs", admin(s, list_jobs));
  add_route(svr, "GET", R"(/admin/jobs/([^/]+))", "/admin/jobs/{id}", admin(s, get_job));
  add_route(svr, "POST", "/admin/jobs/bulk", "/admin/jobs/bulk", admin(s, bulk_jobs));
  add_route(svr, "POST", R"(/admin/jobs/([^/]+)/retry)", "/admin/jobs/{id}/retry", admin(s, retry_job));
  add_route(svr, "POST", R"(/admin/jobs/([^/]+)/discard)", "/admin/jobs/{id}/discard", admin(s, discard_job));
  add_route(svr, "PUT", R"(/admin/products/([^/]+))", "/admin/products/{sku}", admin(s, put_product));
}

}  // namespace shopd
