// GET /admin/: how the shop is doing right now. Refreshes itself.
#include <chrono>

#include "core/money.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

namespace shopd::dashboard {

namespace {

constexpr int kAttentionShown = 10;
constexpr int kFailuresShown = 10;

// 00:00 UTC of the day `days_back` days before now's.
std::string day_start(TimePoint now, int days_back) {
  const auto day = std::chrono::floor<std::chrono::days>(now) - std::chrono::days(days_back);
  return format_iso(std::chrono::time_point_cast<Millis>(day));
}

void card(html::Html& h, std::string_view label, std::string_view value, std::string_view id) {
  h.open("div", {{"class", "card"}, {"id", id}})
      .el("div", label, {{"class", "label"}})
      .el("div", value, {{"class", "value"}})
      .close("div");
}

// "36.00 EUR" per currency; "0.00 <shop currency>" when nothing was paid.
std::string revenue_text(const std::vector<store::Revenue>& revenue, int64_t* paid_orders) {
  std::string out;
  *paid_orders = 0;
  for (const auto& r : revenue) {
    if (!out.empty()) out += " + ";
    out += format_money(r.revenue_cents, r.currency);
    *paid_orders += r.orders;
  }
  return out.empty() ? "0.00" : out;
}

void revenue_card(html::Html& h, std::string_view label, const std::vector<store::Revenue>& revenue,
                  std::string_view id) {
  int64_t paid = 0;
  const std::string total = revenue_text(revenue, &paid);
  h.open("div", {{"class", "card"}, {"id", id}})
      .el("div", label, {{"class", "label"}})
      .el("div", total, {{"class", "value"}})
      .el("div", std::to_string(paid) + (paid == 1 ? " paid order" : " paid orders"), {{"class", "label"}})
      .close("div");
}

int64_t count_of(const std::map<JobState, int64_t>& counts, JobState state) {
  const auto it = counts.find(state);
  return it == counts.end() ? 0 : it->second;
}

void attention_table(html::Html& h, const OverviewData& d) {
  h.raw("<h2>Orders needing attention</h2>");
  if (d.attention.empty()) {
    h.raw("<p class=\"muted\" id=\"attention-none\">Nothing needs you: no order has a dead job.</p>");
    return;
  }
  h.raw("<div class=\"scroll\"><table id=\"attention\"><thead><tr><th>Order</th><th>Customer</th>"
        "<th>Status</th><th>Dead jobs</th><th class=\"num\">Total</th></tr></thead><tbody>");
  for (const auto& o : d.attention) {
    h.raw("<tr><td>")
        .el("a", short_time(o.created_at), {{"href", "/admin/ui/orders/" + o.id}})
        .raw("</td>")
        .el("td", o.customer_name)
        .raw("<td>");
    badge(h, o.status);
    h.raw("</td>").el("td", o.dead_kinds).el("td", format_money(o.total_cents, o.currency), {{"class", "num"}});
    h.raw("</tr>");
  }
  h.raw("</tbody></table></div>");
  if (d.attention_total > static_cast<int64_t>(d.attention.size()))
    h.raw("<p><a href=\"/admin/ui/jobs\">All ").num(d.attention_total).raw(" orders with dead jobs</a></p>");
}

void outbox_cards(html::Html& h, const OverviewData& d) {
  h.raw("<h2>Outbox</h2><div class=\"cards\">");
  const int64_t waiting = count_of(d.jobs_by_state, JobState::Pending) + count_of(d.jobs_by_state, JobState::Retrying);
  card(h, "Jobs waiting to run", std::to_string(waiting), "outbox-waiting");
  card(h, "Running", std::to_string(count_of(d.jobs_by_state, JobState::Running)), "outbox-running");
  card(h, "Retrying", std::to_string(count_of(d.jobs_by_state, JobState::Retrying)), "outbox-retrying");
  card(h, "Dead", std::to_string(count_of(d.jobs_by_state, JobState::Dead)), "outbox-dead");
  std::string oldest = "none";
  if (d.oldest_due) {
    const auto due = parse_iso(d.oldest_due->run_at);
    const auto age = due ? std::chrono::duration_cast<std::chrono::seconds>(d.now - *due).count() : 0;
    oldest = format_age(age) + " (" + d.oldest_due->kind + ")";
  }
  card(h, "Oldest due job waiting", oldest, "outbox-oldest");
  h.raw("</div>");
}

void failures_table(html::Html& h, const OverviewData& d) {
  h.raw("<h2>Recent failures</h2>");
  if (d.failures.empty()) {
    h.raw("<p class=\"muted\">No attempt has failed.</p>");
    return;
  }
  h.raw("<div class=\"scroll\"><table id=\"failures\"><thead><tr><th>When</th><th>Job</th><th>Error</th>"
        "<th>Job now</th></tr></thead><tbody>");
  for (const auto& f : d.failures) {
    h.raw("<tr>").el("td", short_time(f.attempt.started_at)).raw("<td>");
    h.el("a", f.kind, {{"href", "/admin/ui/orders/" + f.order_id}});
    h.raw(" <span class=\"muted\">#").num(f.attempt.attempt).raw("</span></td><td>");
    h.el("span", f.attempt.error_code.value_or(std::string(to_string(f.attempt.outcome))), {{"class", "error-text"}});
    if (f.attempt.error_message) h.raw(" ").text(*f.attempt.error_message);
    h.raw("</td><td>");
    badge(h, f.job_state);
    h.raw("</td></tr>");
  }
  h.raw("</tbody></table></div>");
}

}  // namespace

OverviewData load_overview(store::Connection& db, TimePoint now) {
  OverviewData d;
  d.now = now;
  d.orders_today = store::count_orders_since(db, day_start(now, 0));
  d.orders_week = store::count_orders_since(db, day_start(now, 6));
  d.revenue_today = store::revenue_since(db, day_start(now, 0).substr(0, 10));
  d.revenue_week = store::revenue_since(db, day_start(now, 6).substr(0, 10));
  d.attention = store::orders_needing_attention(db, kAttentionShown);
  d.attention_total = store::count_orders_needing_attention(db);
  d.jobs_by_state = store::count_jobs_by_state(db);
  d.oldest_due = store::oldest_due_job(db, now);
  d.failures = store::recent_failed_attempts(db, kFailuresShown);
  return d;
}

html::Html render_overview(const OverviewData& d) {
  html::Html h;
  h.raw("<div class=\"cards\">");
  card(h, "Orders today (UTC)", std::to_string(d.orders_today), "orders-today");
  revenue_card(h, "Revenue today", d.revenue_today, "revenue-today");
  card(h, "Orders, last 7 days", std::to_string(d.orders_week), "orders-week");
  revenue_card(h, "Revenue, last 7 days", d.revenue_week, "revenue-week");
  card(h, "Orders needing attention", std::to_string(d.attention_total), "attention-count");
  h.raw("</div>");
  attention_table(h, d);
  outbox_cards(h, d);
  failures_table(h, d);
  h.raw("<p class=\"muted\">As of ").text(short_time(format_iso(d.now))).raw(" UTC; this page refreshes itself.</p>");
  return h;
}

}  // namespace shopd::dashboard
