// The owner's dashboard under /admin/ (SPEC section 3, GET /admin/): its
// URLs, who may see them, and the actions behind its buttons.
//
// Who: the dashboard signs in with the admin token once, then trusts a
// session cookie (dashboard/session.h). The bearer-token JSON API in
// admin_routes.cpp does not look at cookies, and these routes do not look at
// bearer tokens: each door has one key.
//   - admin token unset: every page says the admin area is disabled (403);
//   - no valid session: every page answers 303 to /admin/sign-in, every
//     action 403, and nothing changes;
//   - every POST must carry the session's CSRF token in the form field
//     "csrf" (403 otherwise), and a browser that says the request comes
//     from another site (Sec-Fetch-Site: cross-site) is refused as well;
//   - guessing the token is slowed down (dashboard::SignInThrottle).
//
// Actions answer 303 back to the page they came from ("back", a path under
// /admin/) with a notice code the page turns into one line of text. Notices
// are fixed strings chosen by code: nothing from the URL is echoed as a message.
#include <algorithm>
#include <memory>
#include <tuple>

#include "core/job_kind.h"
#include "core/sha256.h"
#include "core/uuid7.h"
#include "http/dashboard/form.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"
#include "http/dashboard/session.h"
#include "http/request_context.h"
#include "http/server.h"
#include "http/validate_order.h"
#include "obs/log.h"
#include "http/idempotency.h"
#include "outbox/after_sale.h"
#include "outbox/owner_actions.h"
#include "store/idempotency_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "store/session_store.h"

namespace shopd {

namespace {

using dashboard::Viewer;

constexpr int kOverviewRefreshSeconds = 10;
constexpr int kOrderRefreshSeconds = 3;
constexpr size_t kMaxBackPathBytes = 2000;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A signed-in browser.
struct Session {
  std::string id;
  std::string csrf;
};

using Form = std::map<std::string, std::string>;
using PageHandler = void (*)(Services&, const httplib::Request&, httplib::Response&, const Session&);
using ActionHandler = void (*)(Services&, const httplib::Request&, httplib::Response&, const Session&, const Form&);

// --- answers ----------------------------------------------------------------

void send_html(httplib::Response& res, int status, std::string body) {
  res.status = status;
  // The pages load only this shop's stylesheet and script; a value that
  // somehow escaped escaping still could not run inline script.
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(body), "text/html; charset=utf-8");
}

void redirect(httplib::Response& res, const std::string& location) {
  res.status = 303;
  res.set_header("Location", location);
  res.set_header("Cache-Control", "no-store");
  res.set_content("", "text/plain");
}

void send_message_page(httplib::Response& res, int status, std::string_view title, std::string_view message,
                       bool offer_sign_in) {
  html::Html body;
  body.el("p", message, {{"id", "message"}});
  if (offer_sign_in) body.raw("<p><a href=\"/admin/sign-in\">Sign in</a></p>");
  send_html(res, status, dashboard::render_page({.title = title}, body));
}

void send_disabled(Services& s, httplib::Response& res) {
  send_html(res, 403,
            dashboard::render_page({.title = "Admin area disabled"},
                                   dashboard::render_sign_in(true, s.config.server.admin_token_env, "")));
}

void send_forbidden(httplib::Response& res, std::string_view why) {
  send_message_page(res, 403, "Not allowed", why, true);
}

// --- notices ----------------------------------------------------------------

struct Notice {
  std::string_view code;
  std::string_view text;
  bool error;
};

constexpr Notice kNotices[] = {
    {"retried", "Job retried: it runs again shortly.", false},
    {"discarded", "Job discarded: it will not run again.", false},
    {"bulk_retried", "Retried {n} dead jobs.", false},
    {"bulk_retried_some", "Retried {n} dead jobs; {m} dead payments stay dead: their stock is gone.", true},
    {"bulk_discarded", "Discarded {n} dead jobs.", false},
    {"saved", "Product saved.", false},
    {"signed_out", "You are signed out.", false},
    {"wrong_token", "That is not the admin token.", true},
    {"too_many_sign_ins", "Too many wrong tokens: sign-in is paused for a minute.", true},
    {"not_found", "No such job.", true},
    {"job_not_dead", "Only dead jobs can be retried or discarded; this one is no longer dead.", true},
    {"out_of_stock", "Not retried: the order's stock is gone. Add stock on the products page, then retry.", true},
    {"stock_changed",
     "Not saved: orders reserved or released stock while you edited. Check the new number and save again.", true},
    {"invalid_name", "Not saved: the name must be 1 to 200 characters, without control characters.", true},
    {"invalid_price", "Not saved: the price must be a number such as 12 or 12.50.", true},
    {"invalid_stock", "Not saved: the stock must be a whole number, 0 or more.", true},
    {"unknown_product", "Not saved: no product with this SKU.", true},
    {"cancelled", "Order cancelled; the customer is told.", false},
    {"cancelled_refunding", "Order cancelled: its payment is refunded in full and the customer is told.", false},
    {"refund_started", "Refund started: the money goes back shortly, and the customer gets a credit note.", false},
    {"refund_repeated", "That refund was already sent: it was not made twice.", false},
    {"shipped", "Marked shipped: the customer gets the tracking link.", false},
    {"refund_exceeds_payment", "Not refunded: that is more than is left to refund.", true},
    {"not_paid", "Not done: the order's payment has not succeeded.", true},
    {"not_cancellable", "Not cancelled: the order is already cancelled or refunded, or its payment failed.", true},
    {"already_shipped", "Not done: the order has shipped.", true},
    {"not_shippable", "Not shipped: the order is cancelled or refunded.", true},
    {"invalid_refund",
     "Not refunded: give quantities of lines or an amount such as 12.50 (restock only goes with lines).", true},
    {"invalid_shipment",
     "Not saved: give a carrier, a tracking number and, if you have one, a tracking link starting with https://.",
     true},
    {"invalid_reason", "Not done: the reason is at most 500 characters.", true},
    {"order_not_found", "No such order.", true},
};

const Notice* find_notice(std::string_view code) {
  for (const auto& n : kNotices)
    if (n.code == code) return &n;
  return nullptr;
}

// `location` plus the notice (and its numbers), keeping its query string.
std::string with_notice(const std::string& location, std::string_view code, std::optional<int> n = std::nullopt,
                        std::optional<int> m = std::nullopt) {
  std::string out = location + (location.find('?') == std::string::npos ? "?" : "&") + "notice=" + std::string(code);
  if (n) out += "&n=" + std::to_string(*n);
  if (m) out += "&m=" + std::to_string(*m);
  return out;
}

// The notice's text for the URL's notice code, its {n} and {m} filled in
// from the URL's digits (anything else there is ignored).
std::optional<std::pair<std::string, bool>> notice_of(const httplib::Request& req) {
  const Notice* n = find_notice(req.get_param_value("notice"));
  if (!n) return std::nullopt;
  std::string text(n->text);
  for (const char* key : {"n", "m"}) {
    const std::string placeholder = std::string("{") + key + "}";
    const size_t at = text.find(placeholder);
    if (at == std::string::npos) continue;
    std::string value = req.get_param_value(key);
    if (!all_digits(value) || value.size() > 9) value = "some";
    text.replace(at, placeholder.size(), value);
  }
  return std::pair{text, n->error};
}

// A redirect target from a form: only a path inside the dashboard, so a
// crafted form cannot send the owner elsewhere.
std::string safe_back(const Form& form, const char* field, const std::string& fallback) {
  const auto it = form.find(field);
  if (it == form.end()) return fallback;
  const std::string& p = it->second;
  const bool ok = p.size() <= kMaxBackPathBytes && (p == "/admin/" || p.rfind("/admin/ui/", 0) == 0) &&
                  std::all_of(p.begin(), p.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '\\'; });
  return ok ? p : fallback;
}

// This page's path and query without the notice, for the forms on it to come back to.
std::string current_path(const httplib::Request& req) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [key, value] : req.params)
    if (key != "notice") params.emplace_back(key, value);
  return html::with_query(req.path, params);
}

dashboard::Frame frame_for(const httplib::Request& req, std::string_view title, dashboard::Nav nav,
                           const Session& session) {
  dashboard::Frame f{.title = title, .active = nav, .csrf = session.csrf};
  if (auto notice = notice_of(req)) std::tie(f.notice, f.notice_is_error) = *notice;
  return f;
}

// --- sessions ---------------------------------------------------------------

std::optional<Session> current_session(Services& s, const httplib::Request& req) {
  const auto id = dashboard::cookie_value(req.get_header_value("Cookie"), dashboard::kCookieName);
  if (!id || !dashboard::is_session_id(*id)) return std::nullopt;
  const std::string hash = dashboard::session_id_hash(*id);
  const auto row = s.store.read([&](store::Connection& db) { return store::find_session(db, hash); });
  if (!row) return std::nullopt;
  const TimePoint now = SystemClock().now();
  switch (dashboard::judge_session(*row, now)) {
    case dashboard::SessionVerdict::Expired:
      return std::nullopt;
    case dashboard::SessionVerdict::ValidTouch:
      s.store.writer().run_always([&](store::Tx& tx) { store::touch_session(tx, hash, now); });
      break;
    case dashboard::SessionVerdict::Valid:
      break;
  }
  return Session{*id, dashboard::csrf_token_for(*id)};
}

bool secure_cookies(const Services& s) { return dashboard::wants_secure_cookie(s.config.shop.public_url); }

// Wraps a page: disabled, signed out (303 to sign-in) or the page.
RouteHandler page(Services& s, PageHandler handler) {
  return [&s, handler](const httplib::Request& req, httplib::Response& res) {
    if (s.admin_token.empty()) return send_disabled(s, res);
    const auto session = current_session(s, req);
    if (!session) {
      const std::string here = current_path(req);
      return redirect(res, here == "/admin/" ? "/admin/sign-in" : html::with_query("/admin/sign-in", {{"next", here}}));
    }
    handler(s, req, res, *session);
  };
}

// Wraps an action: disabled, signed out, cross-site or without the CSRF token: 403 and nothing changes.
RouteHandler action(Services& s, ActionHandler handler) {
  return [&s, handler](const httplib::Request& req, httplib::Response& res) {
    if (s.admin_token.empty()) return send_disabled(s, res);
    const auto session = current_session(s, req);
    if (!session) return send_forbidden(res, "You are not signed in (or your session ended); nothing was changed.");
    if (req.get_header_value("Sec-Fetch-Site") == "cross-site")
      return send_forbidden(res, "This form was sent from another site; nothing was changed.");
    const Form form = dashboard::parse_form(req.body);
    const auto csrf = form.find("csrf");
    if (csrf == form.end() || !constant_time_equals(csrf->second, session->csrf))
      return send_forbidden(res, "This form is missing its security token or it is stale: reload the page and try "
                                 "again. Nothing was changed.");
    handler(s, req, res, *session, form);
  };
}

// --- signing in and out -----------------------------------------------------

void get_sign_in(Services& s, const httplib::Request& req, httplib::Response& res) {
  if (s.admin_token.empty()) return send_disabled(s, res);
  if (current_session(s, req)) return redirect(res, "/admin/");
  dashboard::Frame f{.title = "Sign in"};
  if (auto notice = notice_of(req)) std::tie(f.notice, f.notice_is_error) = *notice;
  const Form next{{"next", req.get_param_value("next")}};
  send_html(res, 200,
            dashboard::render_page(
                f, dashboard::render_sign_in(false, s.config.server.admin_token_env, safe_back(next, "next", ""))));
}

void post_sign_in(Services& s, dashboard::SignInThrottle& throttle, const httplib::Request& req,
                  httplib::Response& res) {
  if (s.admin_token.empty()) return send_disabled(s, res);
  const Form form = dashboard::parse_form(req.body);
  const std::string next = safe_back(form, "next", "");
  const auto sign_in_again = [&](int status, std::string_view notice) {
    dashboard::Frame f{.title = "Sign in", .notice = std::string(find_notice(notice)->text), .notice_is_error = true};
    send_html(res, status,
              dashboard::render_page(f, dashboard::render_sign_in(false, s.config.server.admin_token_env, next)));
  };
  if (!throttle.allows(SystemClock().now())) {
    res.set_header("Retry-After", "60");
    return sign_in_again(429, "too_many_sign_ins");
  }
  const auto token = form.find("token");
  if (token == form.end() || !constant_time_equals(token->second, s.admin_token)) {
    throttle.record_failure(SystemClock().now());
    log::warn("dashboard sign-in refused: wrong token", {{"request_id", current_request().request_id}});
    return sign_in_again(401, "wrong_token");
  }
  const std::string id = dashboard::new_session_id();
  const TimePoint now = SystemClock().now();
  s.store.writer().run_always([&](store::Tx& tx) {
    store::delete_expired_sessions(tx, now - dashboard::kIdleLimit, now - dashboard::kAbsoluteLimit);
    store::create_session(tx, dashboard::session_id_hash(id), now);
  });
  log::info("dashboard sign-in", {{"request_id", current_request().request_id}});
  res.set_header("Set-Cookie", dashboard::session_cookie(id, secure_cookies(s)));
  redirect(res, safe_back(form, "next", "/admin/"));
}

void sign_out(Services& s, const httplib::Request&, httplib::Response& res, const Session& session, const Form&) {
  const std::string hash = dashboard::session_id_hash(session.id);
  s.store.writer().run_always([&](store::Tx& tx) { store::delete_session(tx, hash); });
  res.set_header("Set-Cookie", dashboard::cleared_session_cookie(secure_cookies(s)));
  redirect(res, "/admin/sign-in?notice=signed_out");
}

// --- pages ------------------------------------------------------------------

void overview(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  const TimePoint now = SystemClock().now();
  const auto data = s.store.read([&](store::Connection& db) { return dashboard::load_overview(db, now); });
  auto f = frame_for(req, "Overview", dashboard::Nav::Overview, session);
  f.refresh_seconds = kOverviewRefreshSeconds;
  send_html(res, 200, dashboard::render_page(f, dashboard::render_overview(data)));
}

void orders(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  dashboard::OrdersData data;
  data.filters = {req.get_param_value("q"), req.get_param_value("status"), req.get_param_value("from"),
                  req.get_param_value("to"), req.get_param_value("after")};
  auto search = dashboard::to_search(data.filters);
  if (auto* error = std::get_if<std::string>(&search)) {
    data.error = *error;
  } else {
    data.rows = s.store.read(
        [&](store::Connection& db) { return store::search_orders(db, std::get<store::OrderSearch>(search)); });
    data.more = static_cast<int>(data.rows.size()) > dashboard::kOrdersPerPage;
    if (data.more) data.rows.resize(dashboard::kOrdersPerPage);
  }
  send_html(res, data.error.empty() ? 200 : 400,
            dashboard::render_page(frame_for(req, "Orders", dashboard::Nav::Orders, session),
                                   dashboard::render_orders(data)));
}

void order_detail(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  const std::string id = req.matches[1];
  current_request().order_id = is_uuid(id) ? id : "";
  std::optional<dashboard::OrderDetail> detail;
  if (is_uuid(id)) detail = s.store.read([&](store::Connection& db) { return dashboard::load_order_detail(db, id); });
  if (!detail) return send_message_page(res, 404, "Order not found", "There is no order with this id.", false);
  const std::string title = "Order from " + detail->order.customer.name;
  auto f = frame_for(req, title, dashboard::Nav::Orders, session);
  if (dashboard::has_unfinished_jobs(*detail)) f.refresh_seconds = kOrderRefreshSeconds;
  const Viewer viewer{session.csrf, current_path(req), new_uuid7()};
  send_html(res, 200, dashboard::render_page(f, dashboard::render_order_detail(*detail, viewer)));
}

void dead_jobs(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  const auto data = s.store.read([&](store::Connection& db) {
    return dashboard::load_dead_jobs(db, req.get_param_value("kind"), req.get_param_value("after"));
  });
  const Viewer viewer{session.csrf, current_path(req)};
  send_html(res, 200,
            dashboard::render_page(frame_for(req, "Dead jobs", dashboard::Nav::DeadJobs, session),
                                   dashboard::render_dead_jobs(data, viewer)));
}

void products(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  dashboard::ProductsData data;
  data.products = s.store.read([](store::Connection& db) { return store::stock_overview(db); });
  data.currency = s.config.shop.currency;
  const Viewer viewer{session.csrf, current_path(req)};
  send_html(res, 200,
            dashboard::render_page(frame_for(req, "Products", dashboard::Nav::Products, session),
                                   dashboard::render_products(data, viewer)));
}

void alerts(Services& s, const httplib::Request& req, httplib::Response& res, const Session& session) {
  const bool undelivered_only = req.get_param_value("undelivered") == "1";
  const auto data = s.store.read([&](store::Connection& db) {
    return dashboard::load_alerts(db, undelivered_only, req.get_param_value("after"));
  });
  send_html(res, 200,
            dashboard::render_page(frame_for(req, "Alerts", dashboard::Nav::Alerts, session),
                                   dashboard::render_alerts(data)));
}

// --- actions ----------------------------------------------------------------

void retry_job(Services& s, const httplib::Request& req, httplib::Response& res, const Session&, const Form& form) {
  const std::string id = req.matches[1];
  const std::string back = safe_back(form, "back", "/admin/ui/jobs");
  if (!is_uuid(id)) return redirect(res, with_notice(back, "not_found"));
  const auto error = s.store.writer().run_always(
      [&](store::Tx& tx) { return retry_dead_job(tx, id, s.config, SystemClock().now()); });
  redirect(res, with_notice(back, error ? error->code() : "retried"));
}

void discard_job(Services& s, const httplib::Request& req, httplib::Response& res, const Session&, const Form& form) {
  const std::string id = req.matches[1];
  const std::string back = safe_back(form, "back", "/admin/ui/jobs");
  if (!is_uuid(id)) return redirect(res, with_notice(back, "not_found"));
  const auto error =
      s.store.writer().run_always([&](store::Tx& tx) { return discard_dead_job(tx, id, SystemClock().now()); });
  redirect(res, with_notice(back, error ? error->code() : "discarded"));
}

// Retry all / Discard all: every dead job, or every dead job of the form's kind.
void bulk_jobs(Services& s, const httplib::Request&, httplib::Response& res, const Session&, const Form& form) {
  const std::string back = safe_back(form, "back", "/admin/ui/jobs");
  const auto field = [&](const char* name) {
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  const std::string action = field("action"), kind = field("kind");
  if ((action != "retry" && action != "discard") || (!kind.empty() && !is_job_kind(kind)))
    return send_message_page(res, 400, "Not done", "This form asks for something the dashboard does not do.", false);
  const std::optional<std::string> only_kind = kind.empty() ? std::nullopt : std::optional(kind);
  const auto outcome = s.store.writer().run_always([&](store::Tx& tx) {
    return act_on_dead_jobs(tx, action == "retry" ? BulkAction::Retry : BulkAction::Discard, only_kind, s.config,
                            SystemClock().now());
  });
  if (action == "discard") return redirect(res, with_notice(back, "bulk_discarded", outcome.affected));
  if (outcome.out_of_stock > 0)
    return redirect(res, with_notice(back, "bulk_retried_some", outcome.affected, outcome.out_of_stock));
  redirect(res, with_notice(back, "bulk_retried", outcome.affected));
}

// --- after the sale -------------------------------------------------------------

std::string field_of(const Form& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// The notice for a refused action: the refusal's own code, or what to fix.
std::string_view notice_for(const AfterSaleError& e, std::string_view invalid) {
  if (e.kind == AfterSaleError::Kind::NotFound) return "order_not_found";
  if (e.kind == AfterSaleError::Kind::Invalid) return e.field == "reason" ? "invalid_reason" : invalid;
  return find_notice(e.code) ? std::string_view(find_notice(e.code)->code) : std::string_view("not_paid");
}

// The refund form: a quantity per order line (qty_<line>) or an amount
// ("12.50"), restock, reason. nullopt when the form cannot be read.
std::optional<RefundAsk> read_refund_form(const Order& order, const Form& form) {
  RefundAsk ask;
  ask.reason = field_of(form, "reason");
  ask.restock = field_of(form, "restock") == "1";
  for (size_t i = 0; i < order.items.size(); ++i) {
    const std::string qty = field_of(form, "qty_" + std::to_string(i));
    if (qty.empty() || qty == "0") continue;
    if (!all_digits(qty) || qty.size() > 4) return std::nullopt;
    ask.items.push_back(RefundItem{order.items[i].sku, std::stoi(qty)});
  }
  const std::string amount = field_of(form, "amount");
  if (!amount.empty()) {
    const auto cents = dashboard::parse_price_cents(amount);
    if (!cents) return std::nullopt;
    ask.amount_cents = *cents;
  }
  return ask;
}

void cancel_order_action(Services& s, const httplib::Request& req, httplib::Response& res, const Session&,
                         const Form& form) {
  const std::string id = req.matches[1];
  if (!is_uuid(id)) return redirect(res, with_notice("/admin/ui/orders", "order_not_found"));
  const std::string back = "/admin/ui/orders/" + id;
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return cancel_order(tx, id, field_of(form, "reason"), s.config, SystemClock().now()); });
  if (const auto* e = std::get_if<AfterSaleError>(&outcome)) return redirect(res, with_notice(back, notice_for(*e, "")));
  const bool refunding = !std::get<CancelOutcome>(outcome).refund_id.empty();
  redirect(res, with_notice(back, refunding ? "cancelled_refunding" : "cancelled"));
}

void refund_order_action(Services& s, const httplib::Request& req, httplib::Response& res, const Session&,
                         const Form& form) {
  const std::string id = req.matches[1];
  if (!is_uuid(id)) return redirect(res, with_notice("/admin/ui/orders", "order_not_found"));
  const std::string back = "/admin/ui/orders/" + id;
  const auto order = s.store.read([&](store::Connection& db) { return store::load_order(db, id); });
  if (!order) return redirect(res, with_notice("/admin/ui/orders", "order_not_found"));
  const auto ask = read_refund_form(*order, form);
  if (!ask) return redirect(res, with_notice(back, "invalid_refund"));
  // The form's key makes a resubmitted form (a double click) refund once, as
  // an Idempotency-Key does for the API.
  const std::string form_key = field_of(form, "key");
  const std::string key = is_valid_idempotency_key(form_key) ? "refund-form:" + form_key : "";
  struct Repeated {};
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) -> std::variant<Repeated, store::Refund, AfterSaleError> {
        const TimePoint now = SystemClock().now();
        if (!key.empty() && (!store::try_lock_idempotency_key(tx, key) ||
                             store::find_idempotency_key(tx.db, key, now - store::kIdempotencyKeyLifetime)))
          return Repeated{};
        auto made = refund_order(tx, id, *ask, s.config, now);
        if (auto* e = std::get_if<AfterSaleError>(&made)) return *e;
        if (!key.empty()) store::remember_idempotency_key(tx, key, store::StoredResponse{"", 303, "", id}, now);
        return std::get<store::Refund>(made);
      });
  if (std::holds_alternative<Repeated>(outcome)) return redirect(res, with_notice(back, "refund_repeated"));
  if (const auto* e = std::get_if<AfterSaleError>(&outcome))
    return redirect(res, with_notice(back, notice_for(*e, "invalid_refund")));
  redirect(res, with_notice(back, "refund_started"));
}

void ship_order_action(Services& s, const httplib::Request& req, httplib::Response& res, const Session&,
                       const Form& form) {
  const std::string id = req.matches[1];
  if (!is_uuid(id)) return redirect(res, with_notice("/admin/ui/orders", "order_not_found"));
  const std::string back = "/admin/ui/orders/" + id;
  const ShipmentAsk ask{field_of(form, "carrier"), field_of(form, "tracking_number"), field_of(form, "tracking_url")};
  const auto outcome = s.store.writer().run_always(
      [&](store::Tx& tx) { return ship_order(tx, id, ask, s.config, SystemClock().now()); });
  if (const auto* e = std::get_if<AfterSaleError>(&outcome))
    return redirect(res, with_notice(back, notice_for(*e, "invalid_shipment")));
  redirect(res, with_notice(back, "shipped"));
}

// name, price and stock from the products form, or the notice saying which is wrong.
std::variant<store::Product, std::string_view> read_product_form(const std::string& sku, const Form& form) {
  const auto field = [&](const char* name) {
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  store::Product p{sku, field("name"), 0, 0};
  const size_t name_length = utf8_length(p.name);
  if (name_length == 0 || name_length > kMaxTextChars || !dashboard::is_printable_utf8(p.name))
    return std::string_view("invalid_name");
  const auto price = dashboard::parse_price_cents(field("price"));
  if (!price) return std::string_view("invalid_price");
  p.price_cents = *price;
  const std::string stock = field("stock");
  if (!all_digits(stock) || stock.size() > 9)
    return std::string_view("invalid_stock");
  p.stock = std::stoll(stock);
  return p;
}

void edit_product(Services& s, const httplib::Request& req, httplib::Response& res, const Session&, const Form& form) {
  const std::string sku = req.matches[1];
  const std::string back = "/admin/ui/products";
  const auto product = read_product_form(sku, form);
  if (const auto* notice = std::get_if<std::string_view>(&product)) return redirect(res, with_notice(back, *notice));
  const auto seen = form.find("seen_stock");
  int64_t seen_stock = -1;
  if (seen != form.end() && all_digits(seen->second) && seen->second.size() <= 18)
    seen_stock = std::stoll(seen->second);
  const auto outcome = s.store.writer().run_always([&](store::Tx& tx) {
    return store::edit_product(tx, std::get<store::Product>(product), seen_stock, SystemClock().now());
  });
  switch (outcome) {
    case store::ProductEdit::Saved: return redirect(res, with_notice(back, "saved"));
    case store::ProductEdit::StockChanged: return redirect(res, with_notice(back, "stock_changed"));
    case store::ProductEdit::NotFound: return redirect(res, with_notice(back, "unknown_product"));
  }
}

// --- assets -----------------------------------------------------------------

void send_asset(httplib::Response& res, std::string_view body, const char* type) {
  res.status = 200;
  res.set_header("Cache-Control", "public, max-age=3600");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::string(body), type);
}

}  // namespace

void register_dashboard_routes(httplib::Server& svr, Services& s) {
  add_route(svr, "GET", "/admin", "/admin", [](const auto&, auto& res) { redirect(res, "/admin/"); });
  add_route(svr, "GET", "/admin/", "/admin/", page(s, overview));
  add_route(svr, "GET", "/admin/sign-in", "/admin/sign-in",
            [&s](const auto& req, auto& res) { get_sign_in(s, req, res); });
  auto throttle = std::make_shared<dashboard::SignInThrottle>();
  add_route(svr, "POST", "/admin/sign-in", "/admin/sign-in",
            [&s, throttle](const auto& req, auto& res) { post_sign_in(s, *throttle, req, res); });
  add_route(svr, "POST", "/admin/sign-out", "/admin/sign-out", action(s, sign_out));
  add_route(svr, "GET", "/admin/assets/dashboard.css", "/admin/assets",
            [](const auto&, auto& res) { send_asset(res, dashboard::stylesheet(), "text/css; charset=utf-8"); });
  add_route(svr, "GET", "/admin/assets/dashboard.js", "/admin/assets", [](const auto&, auto& res) {
    send_asset(res, dashboard::script(), "text/javascript; charset=utf-8");
  });
  add_route(svr, "GET", "/admin/assets/icon.svg", "/admin/assets",
            [](const auto&, auto& res) { send_asset(res, dashboard::icon(), "image/svg+xml"); });
  add_route(svr, "GET", "/admin/ui/orders", "/admin/ui/orders", page(s, orders));
  add_route(svr, "GET", R"(/admin/ui/orders/([^/]+))", "/admin/ui/orders/{id}", page(s, order_detail));
  add_route(svr, "POST", R"(/admin/ui/orders/([^/]+)/cancel)", "/admin/ui/orders/{id}/cancel",
            action(s, cancel_order_action));
  add_route(svr, "POST", R"(/admin/ui/orders/([^/]+)/refunds)", "/admin/ui/orders/{id}/refunds",
            action(s, refund_order_action));
  add_route(svr, "POST", R"(/admin/ui/orders/([^/]+)/shipment)", "/admin/ui/orders/{id}/shipment",
            action(s, ship_order_action));
  add_route(svr, "GET", "/admin/ui/jobs", "/admin/ui/jobs", page(s, dead_jobs));
  add_route(svr, "POST", "/admin/ui/jobs/bulk", "/admin/ui/jobs/bulk", action(s, bulk_jobs));
  add_route(svr, "POST", R"(/admin/ui/jobs/([^/]+)/retry)", "/admin/ui/jobs/{id}/retry", action(s, retry_job));
  add_route(svr, "POST", R"(/admin/ui/jobs/([^/]+)/discard)", "/admin/ui/jobs/{id}/discard", action(s, discard_job));
  add_route(svr, "GET", "/admin/ui/products", "/admin/ui/products", page(s, products));
  add_route(svr, "GET", "/admin/ui/alerts", "/admin/ui/alerts", page(s, alerts));
  add_route(svr, "POST", R"(/admin/ui/products/([^/]+))", "/admin/ui/products/{sku}", action(s, edit_product));
}

}  // namespace shopd
