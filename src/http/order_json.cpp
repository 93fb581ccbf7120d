#include "http/order_json.h"

#include "outbox/job_state.h"
#include "outbox/pipeline.h"

namespace shopd {

namespace {

nlohmann::json step_json(const PublicStepView& view) {
  const store::Job* job = view.job;
  if (!job) return {{"state", to_string(view.state)}, {"attempts", 0}};
  nlohmann::json step = {{"state", to_string(view.state)}, {"attempts", job->attempts}, {"kind", job->kind}};
  // Only the error's code: messages can quote customer data (an SMTP reply naming the address).
  if ((job->state == JobState::Retrying || is_given_up(job->state)) && !job->last_error.empty())
    step["error"] = job->last_error.substr(0, job->last_error.find(':'));
  return step;
}

nlohmann::json text_or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

}  // namespace

nlohmann::json public_order_json(const Order& order, const std::vector<store::Job>& jobs,
                                 const std::optional<store::InvoiceRecord>& invoice, int64_t refunded_cents,
                                 const std::optional<store::Shipment>& shipment) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : order.items)
    items.push_back({{"sku", item.sku}, {"qty", item.qty}, {"price_cents", item.price_cents}});
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& view : public_steps(order, jobs)) steps[std::string(view.name)] = step_json(view);
  if (invoice) steps["invoice"]["number"] = invoice->number;
  return {{"id", order.id},
          {"status", to_string(order.status)},
          {"total_cents", order.total_cents},
          {"refunded_cents", refunded_cents},
          {"currency", order.currency},
          {"created_at", order.created_at},
          {"items", items},
          {"steps", steps},
          {"shipment", shipment_json(shipment)}};
}

nlohmann::json shipment_json(const std::optional<store::Shipment>& shipment) {
  if (!shipment) return nullptr;
  return {{"carrier", shipment->carrier},
          {"tracking_number", shipment->tracking_number},
          {"tracking_url", text_or_null(shipment->tracking_url)},
          {"shipped_at", shipment->shipped_at}};
}

nlohmann::json refund_json(const store::Refund& r, const std::optional<store::CreditNoteRecord>& note) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& line : r.lines)
    items.push_back({{"sku", line.sku}, {"qty", line.qty}, {"amount_cents", line.amount_cents}});
  return {{"id", r.id},
          {"state", to_string(r.state)},
          {"amount_cents", r.amount_cents},
          {"currency", r.currency},
          {"origin", r.origin},
          {"reason", r.reason},
          {"restock", r.restock},
          {"items", items},
          {"credit_note", note ? nlohmann::json(note->number) : nlohmann::json(nullptr)},
          {"created_at", r.created_at},
          {"succeeded_at", text_or_null(r.succeeded_at)}};
}

nlohmann::json credit_note_json(const store::CreditNoteRecord& n) {
  return {{"number", n.number},
          {"refund_id", n.refund_id},
          {"amount_cents", n.amount_cents},
          {"currency", n.currency},
          {"invoice_number", n.invoice_number},
          {"issued_at", n.issued_at},
          {"url", "/orders/" + n.order_id + "/credit-notes/" + n.number}};
}

}  // namespace shopd
