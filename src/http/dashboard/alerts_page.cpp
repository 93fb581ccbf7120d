// GET /admin/ui/alerts: every team alert, what each channel (webhook, email)
// did with it, and which ones reached nobody.
#include <algorithm>

#include "core/uuid7.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

namespace shopd::dashboard {

namespace {

// Delivered by no channel (every configured one failed, or none is configured).
bool undelivered(const store::AlertRow& a) {
  const auto missed = [](ChannelState c) { return c != ChannelState::Sent && c != ChannelState::Pending; };
  return missed(a.webhook) && missed(a.email);
}

void filter_links(html::Html& h, const AlertsData& d) {
  h.raw("<p class=\"pager\">");
  if (d.undelivered_only) h.el("a", "All alerts", {{"href", "/admin/ui/alerts"}});
  else h.raw("<strong>All alerts</strong>");
  const std::string label = "Not delivered (" + std::to_string(d.undelivered) + ")";
  if (d.undelivered_only) h.el("strong", label);
  else h.el("a", label, {{"href", "/admin/ui/alerts?undelivered=1"}, {"id", "undelivered-filter"}});
  h.raw("</p>");
}

void channel_cell(html::Html& h, ChannelState state) {
  h.raw("<td>");
  badge(h, state);
  h.raw("</td>");
}

}  // namespace

AlertsData load_alerts(store::Connection& db, bool undelivered_only, const std::string& after) {
  AlertsData d;
  d.undelivered_only = undelivered_only;
  const auto undelivered_rows = store::undelivered_alerts(db);
  d.undelivered = static_cast<int64_t>(undelivered_rows.size());
  if (undelivered_only) {
    // Few by nature (each one also fails `shopd check`): one page, no cursor.
    d.alerts = undelivered_rows;
    return d;
  }
  d.after = is_uuid(after) ? after : "";
  d.alerts = store::list_alerts(db, kAlertsPerPage + 1, d.after.empty() ? std::nullopt : std::optional(d.after));
  d.more = static_cast<int>(d.alerts.size()) > kAlertsPerPage;
  if (d.more) d.alerts.resize(kAlertsPerPage);
  return d;
}

html::Html render_alerts(const AlertsData& d) {
  html::Html h;
  h.raw("<p class=\"muted\">One alert per dead job, to the team through each configured channel: <em>sent</em> "
        "(alone or in a digest during an alert storm), <em>pending</em>, <em>failed</em> (the channel gave up), "
        "or <em>none</em> (not configured). An alert that reached nobody also makes <code>shopd check</code> "
        "fail until its job is discarded.</p>");
  filter_links(h, d);
  if (d.alerts.empty()) {
    h.raw("<p class=\"muted\" id=\"alerts-none\">")
        .text(d.undelivered_only ? "Every alert reached someone." : "No alerts yet: no job has died.")
        .raw("</p>");
    return h;
  }
  h.raw("<div class=\"scroll\"><table id=\"alerts\"><thead><tr><th>Raised (UTC)</th><th>What died</th>"
        "<th>Webhook</th><th>Email</th><th class=\"hide-narrow\">Sent</th></tr></thead><tbody>");
  for (const auto& a : d.alerts) {
    h.open("tr", {{"data-alert-job-id", a.job_id}, {"data-undelivered", undelivered(a) ? "yes" : "no"}})
        .el("td", short_time(a.created_at))
        .raw("<td>")
        .el("a", a.summary, {{"href", "/admin/ui/orders/" + a.order_id}})
        .raw("</td>");
    channel_cell(h, a.webhook);
    channel_cell(h, a.email);
    h.raw("<td class=\"hide-narrow\">");
    if (!a.sent_at.empty()) h.text(short_time(a.sent_at) + (a.mode == AlertMode::Digest ? " (digest)" : ""));
    h.raw("</td></tr>");
  }
  h.raw("</tbody></table></div>");
  if (d.more)
    h.el("a", "Older alerts",
         {{"href", html::with_query("/admin/ui/alerts", {{"after", d.alerts.back().job_id}})}, {"id", "next-page"}});
  return h;
}

}  // namespace shopd::dashboard
