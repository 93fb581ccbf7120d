// GET /admin/ui/jobs: the dead jobs, optionally of one kind; retry or
// discard one, or every one that matches the filter.
#include "core/job_kind.h"
#include "core/uuid7.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

namespace shopd::dashboard {

namespace {

void kind_filter(html::Html& h, const std::string& kind) {
  h.raw("<form class=\"filters\" method=\"get\" action=\"/admin/ui/jobs\"><label>Kind"
        "<select name=\"kind\" id=\"kind-filter\"><option value=\"\">every kind</option>");
  for (auto k : kAllJobKinds) {
    if (k == kind) h.open("option", {{"value", k}, {"selected", "selected"}});
    else h.open("option", {{"value", k}});
    h.text(k).close("option");
  }
  h.raw("</select></label><button type=\"submit\" class=\"secondary\">Filter</button></form>");
}

void bulk_actions(html::Html& h, const DeadJobsData& d, const Viewer& v) {
  const std::string which = std::to_string(d.total) + " dead " + (d.kind.empty() ? "job" : d.kind + " job") +
                            (d.total == 1 ? "" : "s");
  h.raw("<div class=\"bulk\" id=\"bulk\"><span>").text(which).raw("</span> ");
  for (const char* action : {"retry", "discard"}) {
    const bool retry = std::string_view(action) == "retry";
    h.open("form", {{"method", "post"},
                    {"action", "/admin/ui/jobs/bulk"},
                    {"class", "inline"},
                    {"data-confirm", (retry ? "Retry all " : "Discard all ") + which + "?"}})
        .hidden("csrf", v.csrf)
        .hidden("back", v.path)
        .hidden("action", action)
        .hidden("kind", d.kind);
    h.open("button", {{"type", "submit"}, {"class", retry ? "secondary" : "danger"}, {"id", std::string("bulk-") + action}})
        .text(retry ? "Retry all" : "Discard all")
        .close("button")
        .close("form")
        .raw(" ");
  }
  h.raw("</div>");
}

}  // namespace

DeadJobsData load_dead_jobs(store::Connection& db, const std::string& kind, const std::string& after) {
  DeadJobsData d;
  d.kind = is_job_kind(kind) ? kind : "";
  d.after = is_uuid(after) ? after : "";
  const std::optional<std::string> kind_filter = d.kind.empty() ? std::nullopt : std::optional(d.kind);
  const std::optional<std::string> cursor = d.after.empty() ? std::nullopt : std::optional(d.after);
  d.jobs = store::list_dead_jobs(db, kind_filter, kJobsPerPage + 1, cursor);
  d.more = static_cast<int>(d.jobs.size()) > kJobsPerPage;
  if (d.more) d.jobs.resize(kJobsPerPage);
  d.total = store::count_dead_jobs(db, kind_filter);
  return d;
}

html::Html render_dead_jobs(const DeadJobsData& d, const Viewer& v) {
  html::Html h;
  kind_filter(h, d.kind);
  if (d.total == 0) {
    h.raw("<p class=\"muted\" id=\"jobs-none\">No dead jobs. Nothing needs you here.</p>");
    return h;
  }
  bulk_actions(h, d, v);
  h.raw("<div class=\"scroll\"><table id=\"dead-jobs\"><thead><tr><th>Died (UTC)</th><th>Kind</th><th>Order</th>"
        "<th class=\"num\">Attempts</th><th>Last error</th><th>Act</th></tr></thead><tbody>");
  for (const auto& [j, customer_name] : d.jobs) {
    h.open("tr", {{"data-job-id", j.id}, {"data-kind", j.kind}})
        .el("td", short_time(j.updated_at))
        .el("td", j.kind, {{"class", "mono"}})
        .raw("<td>")
        .el("a", customer_name, {{"href", "/admin/ui/orders/" + j.order_id}})
        .raw("</td>")
        .el("td", std::to_string(j.attempts) + "/" + std::to_string(j.max_attempts), {{"class", "num"}})
        .el("td", j.last_error, {{"class", "error-text"}})
        .raw("<td class=\"actions\">");
    open_form(h, "/admin/ui/jobs/" + j.id + "/retry", v.csrf, v.path);
    h.raw("<button type=\"submit\" data-action=\"retry\">Retry</button></form> ");
    open_form(h, "/admin/ui/jobs/" + j.id + "/discard", v.csrf, v.path);
    h.raw("<button type=\"submit\" class=\"danger\" data-action=\"discard\">Discard</button></form></td></tr>");
  }
  h.raw("</tbody></table></div><div class=\"pager\">");
  if (!d.after.empty()) h.el("a", "First page", {{"href", html::with_query("/admin/ui/jobs", {{"kind", d.kind}})}});
  if (d.more)
    h.el("a", "Older",
         {{"href", html::with_query("/admin/ui/jobs", {{"kind", d.kind}, {"after", d.jobs.back().job.id}})},
          {"id", "next-page"}});
  h.raw("</div>");
  return h;
}

}  // namespace shopd::dashboard
