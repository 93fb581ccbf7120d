// The storefront's routes: POST /orders (the receptionist), GET /orders/{id}
// (public status, no customer data), GET /orders/{id}/invoice and
// /orders/{id}/credit-notes/{number}.
#include <variant>

#include "config/config.h"
#include "core/uuid7.h"
#include "http/error_response.h"
#include "http/idempotency.h"
#include "http/request_context.h"
#include "http/server.h"
#include "http/validate_order.h"
#include "http/order_json.h"
#include "jobs/credit_notes.h"
#include "jobs/invoice_files.h"
#include "outbox/job_state.h"
#include "outbox/pipeline.h"
#include "store/idempotency_store.h"
#include "store/invoice_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/refund_store.h"
#include "tax/amounts.h"
#include "tax/regime.h"

namespace shopd {

namespace {

// What the intake transaction decided.
struct Accepted {
  std::string order_id;
  std::string body;
};
struct Replayed {
  store::StoredResponse response;
};
using IntakeOutcome = std::variant<Accepted, Replayed, FieldError>;

std::string order_location(const std::string& order_id) { return "/orders/" + order_id; }

// The 202 body, written for every order on the writer thread. Every value is
// shopd's own (a UUID, an integer, the configured ISO 4217 code), so nothing
// needs escaping; keys in the order nlohmann::json sorts them, as before.
std::string accepted_body(const store::CreatedOrder& created, const std::string& currency) {
  std::string body;
  body.reserve(192);
  body.append(R"({"currency":")").append(currency);
  body.append(R"(","id":")").append(created.id);
  body.append(R"(","status":")").append(to_string(OrderStatus::Received));
  body.append(R"(","status_url":")").append(order_location(created.id));
  body.append(R"(","total_cents":)").append(std::to_string(created.total_cents)).append("}");
  return body;
}

// What the store refused, as the API says it.
FieldError refused_line(const store::LineRefused& refused) {
  const std::string line = "items[" + std::to_string(refused.line) + "]";
  if (refused.reason == store::LineRefused::Reason::UnknownSku)
    return FieldError{400, "unknown_sku", "no product with sku \"" + refused.sku + "\"", line + ".sku"};
  return FieldError{409, "out_of_stock", "not enough stock for this item", line};
}

FieldError key_in_use() {
  return FieldError{409, "idempotency_key_in_use",
                    "a request with this Idempotency-Key is still being processed; retry shortly", "Idempotency-Key"};
}

// The one intake transaction: idempotency check, order, items, reservation,
// first job, idempotency record. Runs on the writer thread, where
// current_request() is not this request's: the request id is passed in.
// How the order is taxed and what shipping it pays: decided from the config
// and the body alone, before the writer thread sees the order.
struct Pricing {
  tax::TaxDecision tax;
  const ShippingRate* shipping = nullptr;
};

IntakeOutcome intake(store::Tx& tx, const Services& s, const NewOrder& order, const Pricing& pricing,
                     const std::optional<std::string>& key, const std::string& fingerprint,
                     const std::string& request_id) {
  const TimePoint now = SystemClock().now();
  if (key) {
    // Another process sharing the database may be answering the same key
    // right now (this process's own requests were checked before).
    if (!store::try_lock_idempotency_key(tx, *key)) return key_in_use();
    if (auto prior = store::find_idempotency_key(tx.db, *key, now - store::kIdempotencyKeyLifetime)) {
      if (prior->request_hash != fingerprint)
        return FieldError{422, "idempotency_key_reused",
                          "this Idempotency-Key was used with a different request body", "Idempotency-Key"};
      return Replayed{*prior};
    }
  }
  const store::CreateOrder options{s.config.shop.currency,
                                   first_jobs(s.config, now),
                                   request_id,
                                   now,
                                   pricing.tax,
                                   pricing.shipping,
                                   order.locale.empty() ? s.config.shop.locale : order.locale};
  auto created = store::create_order(tx, order, options);
  if (auto* refused = std::get_if<store::LineRefused>(&created)) return refused_line(*refused);
  const auto& order_created = std::get<store::CreatedOrder>(created);
  Accepted accepted{order_created.id, accepted_body(order_created, s.config.shop.currency)};
  if (key)
    store::remember_idempotency_key(tx, *key, store::StoredResponse{fingerprint, 202, accepted.body, accepted.order_id},
                                    now);
  return accepted;
}

void post_order(Services& s, const httplib::Request& req, httplib::Response& res) {
  if (reject_non_json(req, res)) return;
  std::optional<std::string> key;
  if (current_request().empty_idempotency_key)
    return send_error(res, 400, "invalid_request", "Idempotency-Key must not be empty", "Idempotency-Key");
  if (req.has_header("Idempotency-Key")) {
    key = req.get_header_value("Idempotency-Key");
    if (!is_valid_idempotency_key(*key))
      return send_error(res, 400, "invalid_request", "Idempotency-Key must be 1-255 printable ASCII characters",
                        "Idempotency-Key");
  }
  auto parsed = parse_json_body(req.body);
  if (auto* e = std::get_if<FieldError>(&parsed)) return send_error(res, *e);
  const auto& body = std::get<nlohmann::json>(parsed);
  auto validated = validate_order(body);
  if (auto* e = std::get_if<FieldError>(&validated)) return send_error(res, *e);
  const auto& order = std::get<NewOrder>(validated);
  // SPEC section 12: the first [[shipping]] entry that holds the country; none is a bad address.
  const tax::ShippingChoice shipping = tax::choose_shipping(s.config.shipping, order.shipping.country);
  if (!shipping.matched)
    return send_error(res, 400, "invalid_request", "the shop does not ship to this country",
                      "shipping_address.country");
  const Pricing pricing{tax::decide_tax(s.config.tax, order.shipping.country, order.customer.vat_id), shipping.rate};

  const InFlightKeys::Claim claim = key ? s.in_flight_keys.try_claim(*key) : InFlightKeys::Claim();
  if (key && !claim) return send_error(res, key_in_use());
  const std::string fingerprint = key ? request_fingerprint(body) : "";
  const std::string request_id = current_request().request_id;
  const IntakeOutcome outcome =
      s.store.writer().run(
      [&](store::Tx& tx) { return intake(tx, s, order, pricing, key, fingerprint, request_id); });

  if (const auto* error = std::get_if<FieldError>(&outcome)) return send_error(res, *error);
  if (const auto* replay = std::get_if<Replayed>(&outcome)) {
    current_request().order_id = replay->response.order_id;
    res.set_header("Idempotent-Replayed", "true");
    if (!replay->response.order_id.empty()) res.set_header("Location", order_location(replay->response.order_id));
    res.status = replay->response.status_code;
    res.set_content(replay->response.body, "application/json");
    return;
  }
  const auto& accepted = std::get<Accepted>(outcome);
  current_request().order_id = accepted.order_id;
  res.set_header("Location", order_location(accepted.order_id));
  res.status = 202;
  res.set_content(accepted.body, "application/json");
}

void get_order(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  current_request().order_id = is_uuid(id) ? id : "";
  if (!is_uuid(id)) return send_error(res, 404, "not_found", "no order with this id");
  auto body = s.store.read([&](store::Connection& db) -> std::optional<nlohmann::json> {
    auto order = store::load_order(db, id);
    if (!order) return std::nullopt;
    return public_order_json(*order, store::jobs_for_order(db, id), store::find_invoice(db, id),
                             store::refunded_cents(db, id), store::find_shipment(db, id));
  });
  if (!body) return send_error(res, 404, "not_found", "no order with this id");
  send_json(res, 200, *body);
}

void get_invoice(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  if (!is_uuid(id)) return send_error(res, 404, "not_found", "no order with this id");
  current_request().order_id = id;
  struct Stored {
    std::optional<store::InvoiceRecord> invoice;
    std::optional<std::string> pdf;
  };
  const auto stored = s.store.read([&](store::Connection& db) {
    return Stored{store::find_invoice(db, id), store::invoice_pdf(db, id)};
  });
  if (!stored.invoice || !stored.pdf) return send_error(res, 404, "not_found", "this order has no invoice yet");
  res.status = 200;
  res.set_header("Content-Disposition", "inline; filename=\"" + invoice_file_name(*stored.invoice) + "\"");
  res.set_content(*stored.pdf, "application/pdf");
}

// GET /orders/{id}/credit-notes/{number}: like the invoice, for whoever has
// the order's id (the customer's status link).
void get_credit_note(Services& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const std::string number = req.matches[2];
  if (!is_uuid(id)) return send_error(res, 404, "not_found", "no order with this id");
  current_request().order_id = id;
  struct Stored {
    std::optional<store::CreditNoteRecord> note;
    std::optional<std::string> pdf;
  };
  const auto stored = s.store.read([&](store::Connection& db) {
    Stored out{store::find_credit_note_by_number(db, id, number), std::nullopt};
    if (out.note) out.pdf = store::credit_note_pdf(db, out.note->refund_id);
    return out;
  });
  if (!stored.note || !stored.pdf) return send_error(res, 404, "not_found", "this order has no such credit note");
  res.status = 200;
  res.set_header("Cache-Control", "private, no-store");
  res.set_header("Content-Disposition", "inline; filename=\"" + credit_note_file_name(*stored.note) + "\"");
  res.set_content(*stored.pdf, "application/pdf");
}

}  // namespace

void register_order_routes(httplib::Server& svr, Services& s) {
  add_route(svr, "POST", "/orders", "/orders", [&s](const auto& req, auto& res) { post_order(s, req, res); });
  add_route(svr, "GET", R"(/orders/([^/]+))", "/orders/{id}",
            [&s](const auto& req, auto& res) { get_order(s, req, res); });
  add_route(svr, "GET", R"(/orders/([^/]+)/invoice)", "/orders/{id}/invoice",
            [&s](const auto& req, auto& res) { get_invoice(s, req, res); });
  add_route(svr, "GET", R"(/orders/([^/]+)/credit-notes/([^/]+))", "/orders/{id}/credit-notes/{number}",
            [&s](const auto& req, auto& res) { get_credit_note(s, req, res); });
}

}  // namespace shopd
