// GET /admin/ui/orders: search by id, email or name; filter by status and
// date; newest first, a page at a time with a cursor (as the admin API).
#include <chrono>

#include "core/money.h"
#include "core/uuid7.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"
#include "http/validate_order.h"

namespace shopd::dashboard {

namespace {

// "2026-11-28" -> its 00:00 UTC, if it is a real date.
std::optional<TimePoint> parse_day(std::string_view day) {
  if (day.size() != 10) return std::nullopt;
  const auto t = parse_iso(std::string(day) + "T00:00:00Z");
  // parse_iso accepts 2026-02-31 as March 3rd; a real date formats back to itself.
  if (!t || format_iso(*t).substr(0, 10) != day) return std::nullopt;
  return t;
}

void filters_form(html::Html& h, const OrderFilters& f) {
  h.raw("<form class=\"filters\" method=\"get\" action=\"/admin/ui/orders\" role=\"search\">");
  h.raw("<label>Order id, email or name")
      .open("input", {{"type", "search"}, {"name", "q"}, {"value", f.q}, {"id", "search-q"}})
      .raw("</label><label>Status<select name=\"status\" id=\"search-status\"><option value=\"\">any</option>");
  for (const auto& [status, s] : kOrderStatusNames) {
    if (s == f.status) h.open("option", {{"value", s}, {"selected", "selected"}});
    else h.open("option", {{"value", s}});
    h.text(s).close("option");
  }
  h.raw("</select></label><label>From")
      .open("input", {{"type", "date"}, {"name", "from"}, {"value", f.from}})
      .raw("</label><label>To")
      .open("input", {{"type", "date"}, {"name", "to"}, {"value", f.to}})
      .raw("</label><button type=\"submit\">Search</button></form>");
}

}  // namespace

std::variant<store::OrderSearch, std::string> to_search(const OrderFilters& f) {
  store::OrderSearch s;
  s.limit = kOrdersPerPage + 1;
  if (!f.q.empty()) {
    if (utf8_length(f.q) > kMaxTextChars) return std::string("the search text is too long");
    s.text = f.q;
  }
  if (!f.status.empty()) {
    s.status = parse_order_status(f.status);
    if (!s.status) return std::string("unknown status");
  }
  if (!f.from.empty()) {
    const auto from = parse_day(f.from);
    if (!from) return std::string("\"from\" must be a date (YYYY-MM-DD)");
    s.created_from = format_iso(*from);
  }
  if (!f.to.empty()) {
    const auto to = parse_day(f.to);
    if (!to) return std::string("\"to\" must be a date (YYYY-MM-DD)");
    s.created_before = format_iso(*to + std::chrono::days(1));
  }
  if (!f.after.empty()) {
    if (!is_uuid(f.after)) return std::string("the page cursor is not valid; start from the first page");
    s.after_id = f.after;
  }
  return s;
}

html::Html render_orders(const OrdersData& d) {
  html::Html h;
  filters_form(h, d.filters);
  if (!d.error.empty()) {
    h.el("p", d.error, {{"class", "notice error"}});
    return h;
  }
  if (d.rows.empty()) {
    h.raw("<p class=\"muted\" id=\"orders-none\">No orders match.</p>");
  } else {
    h.raw("<div class=\"scroll\"><table id=\"orders\"><thead><tr><th>Placed (UTC)</th><th>Customer</th>"
          "<th class=\"hide-narrow\">Email</th><th>Status</th><th class=\"num\">Total</th></tr></thead><tbody>");
    for (const auto& o : d.rows) {
      h.open("tr", {{"data-order-id", o.id}})
          .raw("<td>")
          .el("a", short_time(o.created_at), {{"href", "/admin/ui/orders/" + o.id}})
          .raw("</td>")
          .el("td", o.customer_name)
          .el("td", o.customer_email, {{"class", "hide-narrow"}})
          .raw("<td>");
      badge(h, o.status);
      h.raw("</td>").el("td", format_money(o.total_cents, o.currency), {{"class", "num"}}).raw("</tr>");
    }
    h.raw("</tbody></table></div>");
  }
  const auto& f = d.filters;
  h.raw("<div class=\"pager\">");
  if (!f.after.empty())
    h.el("a", "First page",
         {{"href", html::with_query("/admin/ui/orders", {{"q", f.q}, {"status", f.status}, {"from", f.from},
                                                          {"to", f.to}})}});
  if (d.more)
    h.el("a", "Older orders",
         {{"href", html::with_query("/admin/ui/orders", {{"q", f.q},
                                                          {"status", f.status},
                                                          {"from", f.from},
                                                          {"to", f.to},
                                                          {"after", d.rows.back().id}})},
          {"id", "next-page"}});
  h.raw("</div>");
  return h;
}

}  // namespace shopd::dashboard
