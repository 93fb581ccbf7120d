// The owner's actions after the sale, in the admin API (SPEC section 9):
//   GET  /admin/orders/{id}            the whole order
//   POST /admin/orders/{id}/cancel     {"reason"}                          -> 202 {"status"}
//   POST /admin/orders/{id}/refunds    {"amount_cents"} | {"items"}, ...   -> 202 {"id", "state", "amount_cents"}
//   POST /admin/orders/{id}/shipment   {"carrier", "tracking_number", "tracking_url"} -> 200 the shipment
// Behind the admin token like the rest of /admin/. The rules are
// outbox/after_sale.h's; here JSON becomes an ask and a refusal becomes an
// HTTP answer (NotFound 404, Invalid 400, Conflict 409).
#include <variant>

#include "core/uuid7.h"
#include "http/error_response.h"
#include "http/idempotency.h"
#include "http/order_json.h"
#include "http/request_context.h"
#include "http/server.h"
#include "http/validate_order.h"
#include "outbox/after_sale.h"
#include "store/credit_note_store.h"
#include "store/idempotency_store.h"
#include "store/invoice_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/refund_store.h"

namespace shopd {

namespace {

using nlohmann::json;

FieldError field_error(const AfterSaleError& e) {
  const int status = e.kind == AfterSaleError::Kind::NotFound  ? 404
                     : e.kind == AfterSaleError::Kind::Invalid ? 400
                                                               : 409;
  return FieldError{status, e.code, e.message, e.field};
}

FieldError invalid(std::string field, std::string message) {
  return FieldError{400, "invalid_request", std::move(message), std::move(field)};
}

// The body as JSON; a POST without a body (Content-Length: 0) is {}.
std::variant<json, FieldError> read_body(const httplib::Request& req, httplib::Response& res, bool& answered) {
  answered = false;
  if (req.body.empty() && !req.has_header("Content-Type")) return json::object();
  if ((answered = reject_non_json(req, res))) return json::object();
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return *e;
  auto& body = std::get<json>(parsed);
  if (!body.is_object()) return invalid("", "request body must be a JSON object");
  return std::move(body);
}

std::optional<FieldError> read_text(const json& body, const char* key, std::string& out) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return invalid(key, std::string(key) + " must be a string");
  out = it->get<std::string>();
  return std::nullopt;
}

std::variant<RefundAsk, FieldError> read_refund(const json& body) {
  RefundAsk ask;
  if (auto e = read_text(body, "reason", ask.reason)) return *e;
  if (const auto amount = body.find("amount_cents"); amount != body.end() && !amount->is_null()) {
    if (!amount->is_number_integer() || amount->get<int64_t>() <= 0 || amount->get<int64_t>() > 10'000'000'000'000LL)
      return invalid("amount_cents", "amount_cents must be a positive integer number of cents");
    ask.amount_cents = amount->get<int64_t>();
  }
  if (const auto items = body.find("items"); items != body.end() && !items->is_null()) {
    if (!items->is_array() || items->empty()) return invalid("items", "items must be a non-empty array");
    for (size_t i = 0; i < items->size(); ++i) {
      const json& item = (*items)[i];
      const std::string field = "items[" + std::to_string(i) + "]";
      if (!item.is_object()) return invalid(field, "each item must be an object {\"sku\", \"qty\"}");
      const auto sku = item.find("sku");
      if (sku == item.end() || !sku->is_string() || !is_valid_sku(sku->get_ref<const std::string&>()))
        return invalid(field + ".sku", "sku must be 1-64 printable characters");
      const auto qty = item.find("qty");
      if (qty == item.end() || !qty->is_number_integer() || qty->get<int64_t>() < 1 || qty->get<int64_t>() > 1000)
        return invalid(field + ".qty", "qty must be an integer from 1 to 1000");
      ask.items.push_back(RefundItem{sku->get<std::string>(), static_cast<int>(qty->get<int64_t>())});
    }
  }
  if (const auto restock = body.find("restock"); restock != body.end() && !restock->is_null()) {
    if (!restock->is_boolean()) return invalid("restock", "restock must be true or false");
    ask.restock = restock->get<bool>();
  }
  return ask;
}

std::variant<ShipmentAsk, FieldError> read_shipment(const json& body) {
  ShipmentAsk ask;
  for (const auto& [key, out] : {std::pair{"carrier", &ask.carrier}, {"tracking_number", &ask.tracking_number},
                                 {"tracking_url", &ask.tracking_url}})
    if (auto e = read_text(body, key, *out)) return *e;
  return ask;
}

// The order id from the path; answers 404 and returns nullopt for anything that is not one.
std::optional<std::string> order_id_of(const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  if (!is_uuid(id)) {
    send_error(res, 404, "not_found", "no order with this id");
    return std::nullopt;
  }
  current_request().order_id = id;
  return id;
}

// --- GET /admin/orders/{id} -------------------------------------------------

json job_with_attempts(store::Connection& db, const store::Job& j) {
  json attempts = json::array();
  for (const auto& a : store::attempts_for_job(db, j.id)) {
    json error = nullptr;
    if (a.error_code)
      error = {{"code", *a.error_code},
               {"message", a.error_message ? json(*a.error_message) : json(nullptr)},
               {"provider_status", a.provider_status ? json(*a.provider_status) : json(nullptr)},
               {"where", a.error_where ? json(*a.error_where) : json(nullptr)}};
    attempts.push_back({{"attempt", a.attempt},
                        {"started_at", a.started_at},
                        {"finished_at", a.finished_at ? json(*a.finished_at) : json(nullptr)},
                        {"duration_ms", a.duration_ms ? json(*a.duration_ms) : json(nullptr)},
                        {"outcome", to_string(a.outcome)},
                        {"error", error}});
  }
  return {{"id", j.id},
          {"kind", j.kind},
          {"key", j.job_key},
          {"state", to_string(j.state)},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"run_at", j.run_at},
          {"last_error", j.last_error.empty() ? json(nullptr) : json(j.last_error)},
          {"created_at", j.created_at},
          {"updated_at", j.updated_at},
          {"job_attempts", attempts}};
}

std::optional<json> whole_order(store::Connection& db, const std::string& id) {
  const auto order = store::load_order(db, id);
  if (!order) return std::nullopt;
  const auto jobs = store::jobs_for_order(db, id);
  const auto invoice = store::find_invoice(db, id);
  json body = public_order_json(*order, jobs, invoice, store::refunded_cents(db, id), store::find_shipment(db, id));
  body["updated_at"] = order->updated_at;
  body["paid_at"] = order->paid_at.empty() ? json(nullptr) : json(order->paid_at);
  body["cancelled_at"] = order->cancelled_at.empty() ? json(nullptr) : json(order->cancelled_at);
  body["cancel_reason"] = order->cancel_reason;
  body["customer"] = {{"email", order->customer.email}, {"name", order->customer.name}};
  const Address& a = order->shipping;
  body["shipping_address"] = {{"line1", a.line1},   {"line2", a.line2},     {"city", a.city},
                              {"postal_code", a.postal_code}, {"country", a.country}};
  body["payment_ref"] = order->payment_ref.empty() ? json(nullptr) : json(order->payment_ref);
  for (size_t i = 0; i < order->items.size(); ++i) body["items"][i]["name"] = order->items[i].name;
  body["invoice"] = invoice ? json{{"number", invoice->number}, {"issued_at", invoice->issued_at},
                                   {"url", "/orders/" + id + "/invoice"}}
                            : json(nullptr);
  json refunds = json::array();
  for (const auto& r : store::refunds_for_order(db, id)) refunds.push_back(refund_json(r, store::find_credit_note(db, r.id)));
  body["refunds"] = refunds;
  json notes = json::array();
  for (const auto& n : store::credit_notes_for_order(db, id)) notes.push_back(credit_note_json(n));
  body["credit_notes"] = notes;
  json all_jobs = json::array();
  for (const auto& j : jobs) all_jobs.push_back(job_with_attempts(db, j));
  body["jobs"] = all_jobs;
  return body;
}

void get_order(Services& s, const httplib::Request& req, httplib::Response& res) {
  const auto id = order_id_of(req, res);
  if (!id) return;
  const auto body = s.store.read([&](store::Connection& db) { return whole_order(db, *id); });
  if (!body) return send_error(res, 404, "not_found", "no order with this id");
  send_json(res, 200, *body);
}

// --- POST /admin/orders/{id}/cancel ------------------------------------------

void cancel(Services& s, const httplib::Request& req, httplib::Response& res) {
  const auto id = order_id_of(req, res);
  if (!id) return;
  bool answered = false;
  auto body = read_body(req, res, answered);
  if (answered) return;
  if (auto* e = std::get_if<FieldError>(&body)) return send_error(res, *e);
  std::string reason;
  if (auto e = read_text(std::get<json>(body), "reason", reason)) return send_error(res, *e);
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return cancel_order(tx, *id, reason, s.config, SystemClock().now()); });
  if (auto* e = std::get_if<AfterSaleError>(&outcome)) return send_error(res, field_error(*e));
  const auto& done = std::get<CancelOutcome>(outcome);
  json answer = {{"status", to_string(done.status)}};
  if (!done.refund_id.empty()) answer["refund_id"] = done.refund_id;
  send_json(res, 202, answer);
}

// --- POST /admin/orders/{id}/refunds -----------------------------------------

struct Replayed {
  store::StoredResponse response;
};
using RefundOutcome = std::variant<store::Refund, Replayed, AfterSaleError, FieldError>;

FieldError key_in_use() {
  return FieldError{409, "idempotency_key_in_use",
                    "a request with this Idempotency-Key is still being processed; retry shortly", "Idempotency-Key"};
}

json refund_answer(const store::Refund& r) {
  return {{"id", r.id}, {"state", to_string(r.state)}, {"amount_cents", r.amount_cents}};
}

// Idempotency-Key as POST /orders honours it (http/idempotency.h), in a
// namespace of its own ("refund:"), the order's id part of the request.
RefundOutcome refund_once(store::Tx& tx, const Services& s, const std::string& order_id, const RefundAsk& ask,
                          const std::optional<std::string>& key, const std::string& fingerprint) {
  const TimePoint now = SystemClock().now();
  if (key) {
    if (!store::try_lock_idempotency_key(tx, *key)) return key_in_use();
    if (auto prior = store::find_idempotency_key(tx.db, *key, now - store::kIdempotencyKeyLifetime)) {
      if (prior->request_hash != fingerprint)
        return FieldError{422, "idempotency_key_reused",
                          "this Idempotency-Key was used with a different request body", "Idempotency-Key"};
      return Replayed{*prior};
    }
  }
  auto refunded = refund_order(tx, order_id, ask, s.config, now);
  if (auto* e = std::get_if<AfterSaleError>(&refunded)) return *e;
  const auto& refund = std::get<store::Refund>(refunded);
  if (key)
    store::remember_idempotency_key(
        tx, *key, store::StoredResponse{fingerprint, 202, refund_answer(refund).dump(), order_id}, now);
  return refund;
}

void refund(Services& s, const httplib::Request& req, httplib::Response& res) {
  const auto id = order_id_of(req, res);
  if (!id) return;
  if (current_request().empty_idempotency_key)
    return send_error(res, 400, "invalid_request", "Idempotency-Key must not be empty", "Idempotency-Key");
  std::optional<std::string> key;
  if (req.has_header("Idempotency-Key")) {
    key = req.get_header_value("Idempotency-Key");
    if (!is_valid_idempotency_key(*key))
      return send_error(res, 400, "invalid_request", "Idempotency-Key must be 1-255 printable ASCII characters",
                        "Idempotency-Key");
    key = "refund:" + *key;
  }
  if (reject_non_json(req, res)) return;
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return send_error(res, *e);
  const auto& body = std::get<json>(parsed);
  if (!body.is_object()) return send_error(res, invalid("", "request body must be a JSON object"));
  auto ask = read_refund(body);
  if (auto* e = std::get_if<FieldError>(&ask)) return send_error(res, *e);

  const InFlightKeys::Claim claim = key ? s.in_flight_keys.try_claim(*key) : InFlightKeys::Claim();
  if (key && !claim) return send_error(res, key_in_use());
  const std::string fingerprint = key ? request_fingerprint(json{{"order_id", *id}, {"body", body}}) : "";
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return refund_once(tx, s, *id, std::get<RefundAsk>(ask), key, fingerprint); });
  if (auto* e = std::get_if<FieldError>(&outcome)) return send_error(res, *e);
  if (auto* e = std::get_if<AfterSaleError>(&outcome)) return send_error(res, field_error(*e));
  if (const auto* replay = std::get_if<Replayed>(&outcome)) {
    res.set_header("Idempotent-Replayed", "true");
    res.status = replay->response.status_code;
    res.set_content(replay->response.body, "application/json");
    return;
  }
  send_json(res, 202, refund_answer(std::get<store::Refund>(outcome)));
}

// --- POST /admin/orders/{id}/shipment ----------------------------------------

void ship(Services& s, const httplib::Request& req, httplib::Response& res) {
  const auto id = order_id_of(req, res);
  if (!id) return;
  if (reject_non_json(req, res)) return;
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return send_error(res, *e);
  const auto& body = std::get<json>(parsed);
  if (!body.is_object()) return send_error(res, invalid("", "request body must be a JSON object"));
  auto ask = read_shipment(body);
  if (auto* e = std::get_if<FieldError>(&ask)) return send_error(res, *e);
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return ship_order(tx, *id, std::get<ShipmentAsk>(ask), s.config, SystemClock().now()); });
  if (auto* e = std::get_if<AfterSaleError>(&outcome)) return send_error(res, field_error(*e));
  send_json(res, 200, shipment_json(std::get<store::Shipment>(outcome)));
}

RouteHandler route(Services& s, void (*handler)(Services&, const httplib::Request&, httplib::Response&)) {
  return admin_only(s, [&s, handler](const httplib::Request& req, httplib::Response& res) { handler(s, req, res); });
}

}  // namespace

void register_after_sale_routes(httplib::Server& svr, Services& s) {
  add_route(svr, "GET", R"(/admin/orders/([^/]+))", "/admin/orders/{id}", route(s, get_order));
  add_route(svr, "POST", R"(/admin/orders/([^/]+)/cancel)", "/admin/orders/{id}/cancel", route(s, cancel));
  add_route(svr, "POST", R"(/admin/orders/([^/]+)/refunds)", "/admin/orders/{id}/refunds", route(s, refund));
  add_route(svr, "POST", R"(/admin/orders/([^/]+)/shipment)", "/admin/orders/{id}/shipment", route(s, ship));
}

}  // namespace shopd
