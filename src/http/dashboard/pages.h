// The dashboard's pages: for each, what it shows (a data struct), how that is
// read from the store (load_*, inside one read transaction, so a page is one
// consistent snapshot) and how it is drawn (render_*, pure: data in, HTML
// out, every value escaped by html::Html). routes.cpp wires them to URLs,
// sessions and the CSRF check.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/order.h"
#include "core/states.h"
#include "core/time.h"
#include "http/dashboard/html.h"
#include "store/alert_store.h"
#include "store/connection.h"
#include "store/credit_note_store.h"
#include "store/invoice_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "store/refund_store.h"

namespace shopd::dashboard {

// What every signed-in page needs to draw its forms.
struct Viewer {
  std::string csrf;
  std::string path;  // this page's path and query, where actions come back to
  // Fresh per page view: the refund form sends it as its Idempotency-Key, so
  // a double click (or a resubmitted form) refunds once.
  std::string form_key = {};
};

// --- overview -------------------------------------------------------------

struct OverviewData {
  TimePoint now;
  int64_t orders_today = 0;  // since 00:00 UTC
  int64_t orders_week = 0;   // since 00:00 UTC six days ago: today and the six days before
  std::vector<store::Revenue> revenue_today;  // paid orders, per currency
  std::vector<store::Revenue> revenue_week;
  std::vector<store::OrderSummary> attention;
  int64_t attention_total = 0;
  std::map<JobState, int64_t> jobs_by_state;
  std::optional<store::Job> oldest_due;
  std::vector<store::FailedAttempt> failures;
};
OverviewData load_overview(store::Connection& db, TimePoint now);
html::Html render_overview(const OverviewData& data);

// --- orders ---------------------------------------------------------------

// The orders page's filters as they appear in its URL.
struct OrderFilters {
  std::string q;       // order id, or part of an email or name
  std::string status;  // one of the order statuses, or empty
  std::string from;    // YYYY-MM-DD (UTC), inclusive
  std::string to;      // YYYY-MM-DD (UTC), inclusive
  std::string after;   // cursor
};
inline constexpr int kOrdersPerPage = 50;
// The store search for these filters (one row more than a page, to know if
// another page follows), or a message naming the filter that is wrong.
std::variant<store::OrderSearch, std::string> to_search(const OrderFilters& filters);

struct OrdersData {
  OrderFilters filters;
  std::string error;  // a filter was wrong; nothing was searched
  std::vector<store::OrderSummary> rows;
  bool more = false;  // another page follows the last row
};
html::Html render_orders(const OrdersData& data);

// --- one order ------------------------------------------------------------
// Its summary, items, steps, refunds with their credit notes, shipment, the
// owner's actions after the sale (refund, ship, cancel: forms posting to
// /admin/ui/orders/{id}/refunds|shipment|cancel) and the timeline.

struct JobHistory {
  store::Job job;
  std::vector<store::Attempt> attempts;
};
struct RefundHistory {
  store::Refund refund;
  std::optional<store::CreditNoteRecord> credit_note;
};
struct OrderDetail {
  Order order;
  std::vector<JobHistory> jobs;  // oldest first
  std::optional<store::InvoiceRecord> invoice;
  std::vector<RefundHistory> refunds;  // oldest first
  int64_t refunded_cents = 0;          // refunds that succeeded
  std::optional<store::Shipment> shipment;
};
std::optional<OrderDetail> load_order_detail(store::Connection& db, const std::string& order_id);
// True while a job of the order may still change on its own (the page refreshes itself).
bool has_unfinished_jobs(const OrderDetail& detail);
html::Html render_order_detail(const OrderDetail& detail, const Viewer& viewer);

// --- dead jobs ------------------------------------------------------------

inline constexpr int kJobsPerPage = 50;
struct DeadJobsData {
  std::string kind;   // filter; empty: every kind
  std::string after;  // cursor of this page
  std::vector<store::DeadJob> jobs;
  bool more = false;
  int64_t total = 0;  // dead jobs matching the filter, on every page
};
DeadJobsData load_dead_jobs(store::Connection& db, const std::string& kind, const std::string& after);
html::Html render_dead_jobs(const DeadJobsData& data, const Viewer& viewer);

// --- products -------------------------------------------------------------

struct ProductsData {
  std::vector<store::StockFigures> products;
  std::string currency;
};
html::Html render_products(const ProductsData& data, const Viewer& viewer);

// Parses what an owner types as a price: "12", "12.5", "12.50", "12,50".
// Returns cents, or nothing for anything else (negative, more than two decimals, text).
std::optional<int64_t> parse_price_cents(std::string_view text);

// --- alerts ---------------------------------------------------------------

inline constexpr int kAlertsPerPage = 50;
struct AlertsData {
  bool undelivered_only = false;  // filter: alerts no channel delivered
  std::string after;              // cursor of this page
  std::vector<store::AlertRow> alerts;
  bool more = false;
  int64_t undelivered = 0;        // alerts no channel delivered, whose job is not discarded
};
AlertsData load_alerts(store::Connection& db, bool undelivered_only, const std::string& after);
html::Html render_alerts(const AlertsData& data);

// --- signing in -----------------------------------------------------------

html::Html render_sign_in(bool admin_disabled, std::string_view admin_token_env, std::string_view next);

}  // namespace shopd::dashboard
