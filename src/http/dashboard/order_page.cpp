// GET /admin/ui/orders/{id}: one order's story. Who and what, the totals,
// the invoice, the refunds with their credit notes and the shipment, the
// owner's actions after the sale (refund by lines or amount, ship, cancel),
// and a timeline of every job and every attempt with its error and where in
// the code it failed; dead jobs carry their retry and discard buttons.
#include <algorithm>

#include "core/money.h"
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"
#include "outbox/job_state.h"
#include "outbox/pipeline.h"
#include "tax/vat.h"

namespace shopd::dashboard {

namespace {

std::string_view what_it_does(std::string_view kind) {
  const JobKind* k = find_job_kind(kind);
  return k ? k->what_it_does : std::string_view();
}

// "oss: rates of FR, prices include VAT"; "taken before shopd stored VAT" for old orders.
std::string tax_summary(const Order& o) {
  if (!o.tax_regime) return "taken before shopd stored VAT per order: invoice.tax_rate_percent";
  std::string text(tax::to_string(*o.tax_regime));
  if (!o.tax_country.empty()) text += ": rates of " + o.tax_country;
  text += o.amounts_include_vat ? ", prices include VAT" : ", prices without VAT";
  return text;
}

void summary(html::Html& h, const OrderDetail& d) {
  const Order& o = d.order;
  h.raw("<dl class=\"kv\" id=\"order-summary\"><dt>Status</dt><dd>");
  badge(h, o.status);
  h.raw("</dd><dt>Order id</dt>").el("dd", o.id, {{"class", "mono"}, {"id", "order-id"}});
  h.raw("<dt>Placed</dt>").el("dd", short_time(o.created_at) + " UTC");
  h.raw("<dt>Customer</dt><dd>").el("span", o.customer.name, {{"id", "customer-name"}}).raw(" &lt;");
  h.el("span", o.customer.email, {{"id", "customer-email"}}).raw("&gt;</dd>");
  const Address& a = o.shipping;
  std::string address = a.line1;
  if (!a.line2.empty()) address += ", " + a.line2;
  address += ", " + (a.postal_code.empty() ? a.city : a.postal_code + " " + a.city) + ", " + a.country;
  h.raw("<dt>Ship to</dt>").el("dd", address);
  h.raw("<dt>Language</dt>").el("dd", o.locale, {{"id", "order-locale"}});
  if (!o.customer.vat_id.empty())
    h.raw("<dt>VAT id</dt>").el("dd", o.customer.vat_id, {{"class", "mono"}, {"id", "customer-vat-id"}});
  h.raw("<dt>Tax</dt>").el("dd", tax_summary(o), {{"id", "order-tax"}});
  h.raw("<dt>Stock</dt>").el("dd", to_string(o.stock_state));
  if (!o.payment_ref.empty()) h.raw("<dt>Payment</dt>").el("dd", o.payment_ref, {{"class", "mono"}});
  h.raw("<dt>Invoice</dt><dd>");
  if (d.invoice)
    h.el("a", d.invoice->number, {{"href", "/orders/" + o.id + "/invoice"}, {"id", "invoice-link"}});
  else
    h.raw("<span class=\"muted\">not issued yet</span>");
  h.raw("</dd>");
  if (d.refunded_cents > 0)
    h.raw("<dt>Refunded</dt>").el("dd", format_money(d.refunded_cents, o.currency), {{"id", "order-refunded"}});
  h.raw("<dt>Shipment</dt><dd id=\"shipment\">");
  if (d.shipment) {
    h.text(d.shipment->carrier + " " + d.shipment->tracking_number + " · " + short_time(d.shipment->shipped_at) + " UTC");
    if (!d.shipment->tracking_url.empty())
      h.raw(" ").el("a", "track", {{"href", d.shipment->tracking_url}, {"rel", "noreferrer"}});
  } else {
    h.raw("<span class=\"muted\">not shipped</span>");
  }
  h.raw("</dd>");
  if (!o.cancelled_at.empty()) {
    h.raw("<dt>Cancelled</dt>").el("dd", short_time(o.cancelled_at) + " UTC" +
                                             (o.cancel_reason.empty() ? "" : ": " + o.cancel_reason),
                                   {{"id", "cancelled"}});
  }
  h.raw("</dl>");
}

std::string refund_lines_text(const store::Refund& r) {
  if (r.lines.empty()) return "amount";
  std::string out;
  for (const auto& line : r.lines) out += (out.empty() ? "" : ", ") + std::to_string(line.qty) + " x " + line.sku;
  return out + (r.restock ? " (restocked)" : "");
}

void refunds(html::Html& h, const OrderDetail& d) {
  if (d.refunds.empty()) return;
  h.raw("<h2>Refunds</h2><div class=\"scroll\"><table id=\"refunds\"><thead><tr><th>Asked</th><th>What</th>"
        "<th class=\"num\">Amount</th><th>State</th><th>Credit note</th></tr></thead><tbody>");
  for (const auto& rh : d.refunds) {
    const store::Refund& r = rh.refund;
    h.open("tr", {{"data-refund-id", r.id}, {"data-state", to_string(r.state)}})
        .el("td", short_time(r.created_at))
        .el("td", refund_lines_text(r) + (r.reason.empty() ? "" : " · " + r.reason))
        .el("td", format_money(r.amount_cents, r.currency), {{"class", "num"}})
        .raw("<td>");
    badge(h, r.state);
    h.raw("</td><td>");
    if (rh.credit_note && rh.credit_note->has_pdf)
      h.el("a", rh.credit_note->number,
           {{"href", "/orders/" + d.order.id + "/credit-notes/" + rh.credit_note->number}, {"class", "credit-note"}});
    else if (rh.credit_note)
      h.text(rh.credit_note->number);
    h.raw("</td></tr>");
  }
  h.raw("</tbody></table></div>");
}

// What is left to refund per line, and in money (pending refunds count).
struct Left {
  int64_t cents = 0;
  std::vector<int> qty;  // by line
};

Left left_to_refund(const OrderDetail& d) {
  Left left{d.order.total_cents, {}};
  for (const auto& item : d.order.items) left.qty.push_back(item.qty);
  for (const auto& rh : d.refunds) {
    if (rh.refund.state == RefundState::Failed) continue;
    left.cents -= rh.refund.amount_cents;
    for (const auto& line : rh.refund.lines)
      if (line.line_no >= 0 && static_cast<size_t>(line.line_no) < left.qty.size()) left.qty[line.line_no] -= line.qty;
  }
  return left;
}

void refund_form(html::Html& h, const OrderDetail& d, const Viewer& v, const Left& left) {
  const Order& o = d.order;
  h.raw("<div class=\"card\"><div class=\"label\">Refund</div><p class=\"muted\">A quantity per line, or an "
        "amount. Left to refund: ")
      .text(format_money(std::max<int64_t>(left.cents, 0), o.currency))
      .raw(".</p>");
  h.open("form", {{"method", "post"}, {"action", "/admin/ui/orders/" + o.id + "/refunds"}, {"id", "refund-form"},
                  {"class", "edit"}, {"data-confirm", "Refund this order? The money goes back to the customer."}})
      .hidden("csrf", v.csrf)
      .hidden("key", v.form_key);
  for (size_t i = 0; i < o.items.size(); ++i) {
    const std::string name = "qty_" + std::to_string(i);
    const std::string max = std::to_string(std::max(left.qty[i], 0));
    h.raw("<label>").text(o.items[i].sku + " (" + max + " left)");
    h.open("input", {{"name", name}, {"type", "number"}, {"min", "0"}, {"max", max}, {"value", "0"}});
    h.raw("</label>");
  }
  h.raw("<label>or amount (").text(o.currency).raw(")");
  h.open("input", {{"name", "amount"}, {"inputmode", "decimal"}, {"pattern", "[0-9]+([.,][0-9]{1,2})?"}, {"size", "8"}});
  h.raw("</label><label>Restock the lines <input type=\"checkbox\" name=\"restock\" value=\"1\"></label>");
  h.raw("<label>Reason<input name=\"reason\" maxlength=\"500\"></label>");
  h.raw("<button type=\"submit\" data-action=\"refund\">Refund</button></form></div>");
}

void ship_form(html::Html& h, const OrderDetail& d, const Viewer& v) {
  h.raw("<div class=\"card\"><div class=\"label\">Ship</div><p class=\"muted\">The customer gets an email with "
        "the tracking link.</p>");
  h.open("form", {{"method", "post"}, {"action", "/admin/ui/orders/" + d.order.id + "/shipment"}, {"id", "ship-form"},
                  {"class", "edit"}})
      .hidden("csrf", v.csrf);
  h.raw("<label>Carrier<input name=\"carrier\" required maxlength=\"200\"></label>"
        "<label>Tracking number<input name=\"tracking_number\" required maxlength=\"200\"></label>"
        "<label>Tracking link<input name=\"tracking_url\" type=\"url\" maxlength=\"2048\"></label>"
        "<button type=\"submit\" class=\"secondary\" data-action=\"ship\">Mark shipped</button></form></div>");
}

void cancel_form(html::Html& h, const OrderDetail& d, const Viewer& v) {
  h.raw("<div class=\"card\"><div class=\"label\">Cancel</div><p class=\"muted\">");
  if (d.order.paid_at.empty())
    h.raw("Stops the payment and puts the stock back on sale.");
  else
    h.raw("Refunds what is left to refund and puts the goods not yet given back on sale.");
  h.raw(" The customer is told.</p>");
  h.open("form", {{"method", "post"}, {"action", "/admin/ui/orders/" + d.order.id + "/cancel"}, {"id", "cancel-form"},
                  {"class", "edit"},
                  {"data-confirm", d.order.paid_at.empty()
                                       ? "Cancel this order? Its payment is stopped and its stock goes back on sale."
                                       : "Cancel this order? It is refunded in full and its stock goes back on sale."}})
      .hidden("csrf", v.csrf);
  h.raw("<label>Reason<input name=\"reason\" maxlength=\"500\"></label>"
        "<button type=\"submit\" class=\"danger\" data-action=\"cancel\">Cancel order</button></form></div>");
}

// The owner's actions after the sale, each shown only when it can be done.
void after_sale(html::Html& h, const OrderDetail& d, const Viewer& v) {
  const Order& o = d.order;
  const bool paid = !o.paid_at.empty();
  const bool cancelled = !o.cancelled_at.empty();
  const Left left = left_to_refund(d);
  const bool can_refund = paid && left.cents > 0;
  const bool can_ship = paid && !d.shipment && !cancelled && o.status != OrderStatus::Refunded;
  const bool can_cancel = !d.shipment && !cancelled && o.status != OrderStatus::Refunded &&
                          o.status != OrderStatus::PaymentFailed;
  if (!can_refund && !can_ship && !can_cancel) return;
  h.raw("<h2>After the sale</h2><div id=\"after-sale\" class=\"cards\">");
  if (can_refund) refund_form(h, d, v, left);
  if (can_ship) ship_form(h, d, v);
  if (can_cancel) cancel_form(h, d, v);
  h.raw("</div>");
}

void items(html::Html& h, const Order& o) {
  h.raw("<h2>Items</h2><div class=\"scroll\"><table id=\"items\"><thead><tr><th>SKU</th><th>Product</th>"
        "<th class=\"num\">Qty</th><th class=\"num\">Price</th><th class=\"num\">VAT</th>"
        "<th class=\"num\">Line total</th></tr></thead><tbody>");
  for (const auto& item : o.items) {
    h.raw("<tr>")
        .el("td", item.sku, {{"class", "mono"}})
        .el("td", item.name)
        .el("td", std::to_string(item.qty), {{"class", "num"}})
        .el("td", format_money(item.price_cents, o.currency), {{"class", "num"}})
        .el("td", o.tax_regime ? tax::format_rate(item.vat_rate_bp) + " %" : "", {{"class", "num"}})
        .el("td", format_money(item.price_cents * item.qty, o.currency), {{"class", "num"}})
        .raw("</tr>");
  }
  if (o.shipping_cents != 0) {
    h.raw("<tr id=\"shipping-line\"><td></td><td>Shipping</td><td class=\"num\">1</td>")
        .el("td", format_money(o.shipping_cents, o.currency), {{"class", "num"}})
        .el("td", tax::format_rate(o.shipping_vat_rate_bp) + " %", {{"class", "num"}})
        .el("td", format_money(o.shipping_cents, o.currency), {{"class", "num"}})
        .raw("</tr>");
  }
  h.raw("<tr><td colspan=\"5\"><strong>Total</strong></td>")
      .el("td", format_money(o.total_cents, o.currency), {{"class", "num"}, {"id", "order-total"}})
      .raw("</tr></tbody></table></div>");
}

void steps(html::Html& h, const OrderDetail& d) {
  h.raw("<h2>Steps</h2><div class=\"cards\" id=\"steps\">");
  std::vector<store::Job> jobs;
  for (const auto& j : d.jobs) jobs.push_back(j.job);
  for (const auto& step : public_steps(d.order, jobs)) {
    h.open("div", {{"class", "card"}, {"data-step", step.name}}).el("div", step.name, {{"class", "label"}});
    h.raw("<div>");
    badge(h, step.state);
    h.raw("</div></div>");
  }
  h.raw("</div>");
}

void attempt_line(html::Html& h, const store::Attempt& a) {
  h.open("li", {{"data-attempt", std::to_string(a.attempt)}}).raw("Attempt ").num(a.attempt).raw(" · ");
  h.text(short_time(a.started_at));
  if (a.duration_ms) h.raw(" · ").num(*a.duration_ms).raw(" ms");
  h.raw(" ");
  badge(h, a.outcome);
  if (a.error_code) {
    h.raw("<div class=\"error-text\">").text(*a.error_code);
    if (a.error_message) h.raw(": ").text(*a.error_message);
    if (a.provider_status) h.raw(" <span class=\"muted\">(provider status ").num(*a.provider_status).raw(")</span>");
    h.raw("</div>");
  }
  if (a.body_excerpt) h.raw("<div class=\"mono muted\">").text(*a.body_excerpt).raw("</div>");
  if (a.error_where) h.raw("<div class=\"muted\">at <span class=\"mono\">").text(*a.error_where).raw("</span></div>");
  h.raw("</li>");
}

void dead_job_actions(html::Html& h, const store::Job& job, const Viewer& v) {
  h.raw("<div class=\"actions\">");
  open_form(h, "/admin/ui/jobs/" + job.id + "/retry", v.csrf, v.path);
  h.open("button", {{"type", "submit"}, {"data-action", "retry"}}).raw("Retry").close("button").close("form");
  h.raw(" ");
  open_form(h, "/admin/ui/jobs/" + job.id + "/discard", v.csrf, v.path);
  h.open("button", {{"type", "submit"}, {"class", "danger"}, {"data-action", "discard"}})
      .raw("Discard")
      .close("button")
      .close("form");
  h.raw("</div>");
}

void timeline(html::Html& h, const OrderDetail& d, const Viewer& v) {
  h.raw("<h2>Timeline</h2><ol class=\"timeline\" id=\"timeline\"><li><strong>Order received</strong> · ")
      .text(short_time(d.order.created_at))
      .raw("</li>");
  for (const auto& jh : d.jobs) {
    const store::Job& j = jh.job;
    h.open("li", {{"data-kind", j.kind}, {"data-job-id", j.id}, {"data-state", to_string(j.state)}})
        .el("strong", what_it_does(j.kind))
        .raw(" <span class=\"mono muted\">")
        .text(j.kind)
        .raw("</span> ");
    badge(h, j.state);
    h.raw(" <span class=\"muted\">").num(j.attempts).raw(" of ").num(j.max_attempts).raw(" attempts</span>");
    if (j.state == JobState::Dead) {
      if (!j.last_error.empty()) h.el("div", j.last_error, {{"class", "error-text"}});
      dead_job_actions(h, j, v);
    } else if (j.state == JobState::Retrying) {
      h.raw("<div class=\"muted\">next attempt at ").text(short_time(j.run_at)).raw("</div>");
    }
    if (!jh.attempts.empty()) {
      h.raw("<ul class=\"attempts\">");
      for (const auto& a : jh.attempts) attempt_line(h, a);
      h.raw("</ul>");
    }
    h.raw("</li>");
  }
  h.raw("</ol>");
}

}  // namespace

std::optional<OrderDetail> load_order_detail(store::Connection& db, const std::string& order_id) {
  auto order = store::load_order(db, order_id);
  if (!order) return std::nullopt;
  OrderDetail d{std::move(*order), {}, store::find_invoice(db, order_id), {}, store::refunded_cents(db, order_id),
                store::find_shipment(db, order_id)};
  for (auto& job : store::jobs_for_order(db, order_id)) {
    auto attempts = store::attempts_for_job(db, job.id);
    d.jobs.push_back(JobHistory{std::move(job), std::move(attempts)});
  }
  for (auto& refund : store::refunds_for_order(db, order_id)) {
    auto note = store::find_credit_note(db, refund.id);
    d.refunds.push_back(RefundHistory{std::move(refund), std::move(note)});
  }
  return d;
}

bool has_unfinished_jobs(const OrderDetail& d) {
  return std::any_of(d.jobs.begin(), d.jobs.end(), [](const JobHistory& j) {
    return j.job.state == JobState::Pending || j.job.state == JobState::Running || j.job.state == JobState::Retrying;
  });
}

html::Html render_order_detail(const OrderDetail& d, const Viewer& v) {
  html::Html h;
  summary(h, d);
  items(h, d.order);
  steps(h, d);
  refunds(h, d);
  after_sale(h, d, v);
  timeline(h, d, v);
  return h;
}

}  // namespace shopd::dashboard
