#include "outbox/after_sale.h"

#include <map>
#include <nlohmann/json.hpp>

#include "core/job_kind.h"
#include "core/uuid7.h"
#include "jobs/credit_notes.h"
#include "obs/log.h"
#include "outbox/pipeline.h"
#include "store/order_store.h"
#include "store/refund_store.h"

namespace shopd {

namespace {

AfterSaleError not_found() { return {AfterSaleError::Kind::NotFound, "not_found", "no order with this id", ""}; }

AfterSaleError conflict(std::string code, std::string message, std::string field = "") {
  return {AfterSaleError::Kind::Conflict, std::move(code), std::move(message), std::move(field)};
}

AfterSaleError invalid(std::string message, std::string field) {
  return {AfterSaleError::Kind::Invalid, "invalid_request", std::move(message), std::move(field)};
}

// The order, held until the transaction ends; nullopt when there is none.
std::optional<Order> lock_and_load(store::Tx& tx, const std::string& order_id) {
  store::lock_order(tx, order_id);
  return store::load_order(tx.db, order_id);
}

const store::Job* find_job(const std::vector<store::Job>& jobs, std::string_view kind) {
  for (const auto& j : jobs)
    if (j.kind == kind && j.job_key.empty()) return &j;
  return nullptr;
}

std::string refund_payload(const std::string& refund_id) { return nlohmann::json{{"refund_id", refund_id}}.dump(); }

// The refund and its job, in one transaction.
void start_refund(store::Tx& tx, const store::Refund& refund, const Config& config, TimePoint now) {
  store::insert_refund(tx, refund, now);
  store::enqueue(tx, new_job(refund.order_id, kind::kPaymentRefund, config, now, refund.id, refund_payload(refund.id)),
                 now);
}

// What is left to refund of a paid order: money, and per line the quantity.
struct Refundable {
  int64_t cents = 0;
  std::map<int, int> qty;  // line_no -> quantity not yet given back
};

Refundable refundable(store::Connection& db, const Order& order) {
  Refundable left{order.total_cents - store::committed_refund_cents(db, order.id), {}};
  const auto committed = store::committed_refund_qty(db, order.id);
  for (size_t line = 0; line < order.items.size(); ++line) {
    const auto it = committed.find(static_cast<int>(line));
    left.qty[static_cast<int>(line)] = order.items[line].qty - (it == committed.end() ? 0 : it->second);
  }
  return left;
}

// A cancelled, paid order: all that is left goes back, every line not yet
// given back on sale again. Returns the refund's id ("" when nothing was left).
std::string refund_the_rest(store::Tx& tx, const Order& order, const Config& config, TimePoint now) {
  const Refundable left = refundable(tx.db, order);
  std::vector<store::RefundLine> lines;
  for (const auto& [line, qty] : left.qty)
    if (qty > 0) {
      const auto& item = order.items[static_cast<size_t>(line)];
      lines.push_back(store::RefundLine{line, item.sku, qty, item.price_cents * qty});
    }
  if (left.cents <= 0) {
    // A free order has no money to give back; its goods still go back on sale.
    if (order.total_cents == 0) {
      std::vector<store::RestockLine> restock;
      for (const auto& l : lines) restock.push_back(store::RestockLine{l.sku, l.qty});
      store::restock(tx, order.id, std::move(restock), now);
    }
    return "";
  }
  store::Refund refund;
  refund.id = new_uuid7();
  refund.order_id = order.id;
  refund.origin = store::kRefundByCancel;
  refund.amount_cents = left.cents;
  refund.currency = order.currency;
  refund.reason = order.cancel_reason;
  refund.restock = true;
  refund.lines = std::move(lines);
  start_refund(tx, refund, config, now);
  return refund.id;
}

// The lines a refund by items gives back, from the order's lines with that
// SKU that still have quantity left; or why not.
std::variant<std::vector<store::RefundLine>, AfterSaleError> refund_lines(const Order& order,
                                                                          const std::vector<RefundItem>& items,
                                                                          Refundable left) {
  std::map<int, store::RefundLine> lines;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    int wanted = items[i].qty;
    bool in_order = false;
    for (size_t line = 0; line < order.items.size() && wanted > 0; ++line) {
      const auto& item = order.items[line];
      if (item.sku != items[i].sku) continue;
      in_order = true;
      int& available = left.qty[static_cast<int>(line)];
      const int take = std::min(available, wanted);
      if (take <= 0) continue;
      available -= take;
      wanted -= take;
      auto& out = lines[static_cast<int>(line)];
      out = store::RefundLine{static_cast<int>(line), item.sku, out.qty + take, item.price_cents * (out.qty + take)};
    }
    if (!in_order) return invalid("this order has no item with this sku", field + ".sku");
    if (wanted > 0)
      return conflict("refund_exceeds_payment", "more of this item than is left to refund", field + ".qty");
  }
  std::vector<store::RefundLine> out;
  for (auto& [line, l] : lines) out.push_back(std::move(l));
  return out;
}

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxShipmentChars = 200;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxRefundLines = 100;

size_t chars(const std::string& utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

bool has_control_chars(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::optional<AfterSaleError> check_reason(const std::string& reason) {
  if (chars(reason) > kMaxReasonChars) return invalid("at most 500 characters", "reason");
  return std::nullopt;
}

std::optional<AfterSaleError> check(const RefundAsk& ask) {
  if (auto e = check_reason(ask.reason)) return e;
  if (ask.amount_cents && !ask.items.empty()) return invalid("give amount_cents or items, not both", "amount_cents");
  if (!ask.amount_cents && ask.items.empty()) return invalid("give amount_cents or items", "amount_cents");
  if (ask.amount_cents && *ask.amount_cents <= 0) return invalid("a positive number of cents", "amount_cents");
  if (ask.restock && ask.items.empty())
    return invalid("restock needs items: an amount names no goods to put back on sale", "restock");
  if (ask.items.size() > kMaxRefundLines) return invalid("at most 100 lines", "items");
  for (size_t i = 0; i < ask.items.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    if (ask.items[i].sku.empty() || ask.items[i].sku.size() > 64) return invalid("1-64 characters", field + ".sku");
    if (ask.items[i].qty < 1 || ask.items[i].qty > 1000) return invalid("an integer from 1 to 1000", field + ".qty");
  }
  return std::nullopt;
}

std::optional<AfterSaleError> check(const ShipmentAsk& ask) {
  for (const auto& [value, field] : {std::pair{&ask.carrier, "carrier"}, {&ask.tracking_number, "tracking_number"}})
    if (value->empty() || chars(*value) > kMaxShipmentChars || has_control_chars(*value))
      return invalid("1-200 characters", field);
  const std::string& url = ask.tracking_url;
  if (!url.empty() && (url.size() > kMaxUrlBytes || has_control_chars(url) || url.find(' ') != std::string::npos ||
                       (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)))
    return invalid("an http:// or https:// URL of at most 2048 characters", "tracking_url");
  return std::nullopt;
}

// The most a refund of lines may round past what is left (a cent per VAT rate at most).
constexpr int64_t kRoundingSlackCents = 4;

// Whether, after `lines`, no item of the order is left to refund.
bool gives_back_every_item(const Order& order, const Refundable& left, const std::vector<store::RefundLine>& lines) {
  for (size_t line = 0; line < order.items.size(); ++line) {
    int refunded = 0;
    for (const auto& l : lines)
      if (l.line_no == static_cast<int>(line)) refunded += l.qty;
    const auto it = left.qty.find(static_cast<int>(line));
    if (it != left.qty.end() && it->second > refunded) return false;
  }
  return true;
}

bool payment_given_up(const std::vector<store::Job>& jobs) {
  const store::Job* payment = find_job(jobs, kind::kPaymentCharge);
  return payment && is_given_up(payment->state);
}

// Whether the payment never started: no attempt of any kind, nothing at the provider.
bool payment_unstarted(const Order& order, const store::Job& payment) {
  return payment.state == JobState::Pending && payment.attempts == 0 && payment.unreachable_attempts == 0 &&
         order.payment_ref.empty();
}

}  // namespace

std::variant<CancelOutcome, AfterSaleError> cancel_order(store::Tx& tx, const std::string& order_id,
                                                         const std::string& reason, const Config& config,
                                                         TimePoint now) {
  if (auto e = check_reason(reason)) return *e;
  const auto order = lock_and_load(tx, order_id);
  if (!order) return not_found();
  if (store::find_shipment(tx.db, order_id)) return conflict("already_shipped", "the order has shipped");
  const auto jobs = store::jobs_for_order(tx.db, order_id);
  if (!order->cancelled_at.empty() || order->status == OrderStatus::Cancelled ||
      order->status == OrderStatus::Refunded)
    return conflict("not_cancellable", "the order is " + std::string(to_string(order->status)));
  if (order->status == OrderStatus::PaymentFailed || payment_given_up(jobs))
    return conflict("not_cancellable",
                    find_job(jobs, kind::kInventoryRelease)
                        ? "the order's payment failed: nothing was charged and its stock is back"
                        : "the order's payment died without an answer from the provider, so it may have been "
                          "charged: retry the payment job to find out, or discard it");

  store::mark_cancelled(tx, order_id, reason, now);
  CancelOutcome outcome;
  if (!order->paid_at.empty()) {
    Order cancelled = *order;
    cancelled.cancel_reason = reason;
    outcome.refund_id = refund_the_rest(tx, cancelled, config, now);
  } else if (const store::Job* payment = find_job(jobs, kind::kPaymentCharge);
             payment && payment_unstarted(*order, *payment) &&
             store::discard_unstarted(tx, payment->id, "cancelled: an owner cancelled the order before it ran", now)) {
    store::enqueue(tx, new_job(order_id, kind::kInventoryRelease, config, now), now);
  }
  // Otherwise the payment is under way: its end settles the money and the stock.
  store::enqueue(tx, new_job(order_id, kind::kEmailCancelled, config, now), now);
  refresh_order_status(tx, order_id, now);
  outcome.status = store::load_status_facts(tx.db, order_id)->status;
  log::info("order cancelled by owner", {{"order_id", order_id}, {"paid", !order->paid_at.empty()},
                                         {"refund_id", outcome.refund_id}});
  return outcome;
}

std::variant<store::Refund, AfterSaleError> refund_order(store::Tx& tx, const std::string& order_id,
                                                         const RefundAsk& ask, const Config& config, TimePoint now) {
  if (auto e = check(ask)) return *e;
  const auto order = lock_and_load(tx, order_id);
  if (!order) return not_found();
  if (order->paid_at.empty()) return conflict("not_paid", "the order's payment has not succeeded");
  const Refundable left = refundable(tx.db, *order);

  store::Refund refund;
  refund.id = new_uuid7();
  refund.order_id = order_id;
  refund.origin = store::kRefundByOwner;
  refund.currency = order->currency;
  refund.reason = ask.reason;
  refund.restock = ask.restock;
  if (!ask.items.empty()) {
    auto lines = refund_lines(*order, ask.items, left);
    if (auto* error = std::get_if<AfterSaleError>(&lines)) return *error;
    refund.lines = std::move(std::get<std::vector<store::RefundLine>>(lines));
    // What these lines give back, on the order's footing and rates (tax/amounts.h).
    refund.amount_cents = refund_cents_for_lines(*order, refund.lines, config);
    // On net prices each refund rounds its own VAT: the one that gives back
    // the last of every line may come to a cent or two more than is left.
    if (refund.amount_cents > left.cents && refund.amount_cents - left.cents <= kRoundingSlackCents &&
        gives_back_every_item(*order, left, refund.lines))
      refund.amount_cents = left.cents;
  } else {
    refund.amount_cents = ask.amount_cents.value_or(0);
  }
  if (refund.amount_cents <= 0)
    return invalid("a refund gives back at least one cent", ask.items.empty() ? "amount_cents" : "items");
  if (refund.amount_cents > left.cents)
    return conflict("refund_exceeds_payment",
                    "more than is left to refund (" + std::to_string(std::max<int64_t>(left.cents, 0)) +
                        " cents, refunds not yet settled included)",
                    ask.items.empty() ? "amount_cents" : "items");
  start_refund(tx, refund, config, now);
  refresh_order_status(tx, order_id, now);
  log::info("refund requested by owner",
            {{"order_id", order_id}, {"refund_id", refund.id}, {"amount_cents", refund.amount_cents}});
  refund.created_at = refund.updated_at = format_iso(now);
  return refund;
}

std::variant<store::Shipment, AfterSaleError> ship_order(store::Tx& tx, const std::string& order_id,
                                                         const ShipmentAsk& ask, const Config& config, TimePoint now) {
  if (auto e = check(ask)) return *e;
  const auto order = lock_and_load(tx, order_id);
  if (!order) return not_found();
  if (auto shipped = store::find_shipment(tx.db, order_id))
    return conflict("already_shipped", "the order shipped on " + shipped->shipped_at);
  if (order->paid_at.empty()) return conflict("not_paid", "the order's payment has not succeeded");
  if (!order->cancelled_at.empty() || order->status == OrderStatus::Refunded)
    return conflict("not_shippable", "the order is " + std::string(to_string(order->status)));
  const store::Shipment shipment{order_id, ask.carrier, ask.tracking_number, ask.tracking_url, format_iso(now)};
  store::insert_shipment(tx, shipment);
  store::enqueue(tx, new_job(order_id, kind::kEmailShipped, config, now), now);
  // Order events (SPEC section 10): order.shipped is enqueued here.
  refresh_order_status(tx, order_id, now);
  log::info("order shipped", {{"order_id", order_id}});
  return shipment;
}

RecordedRefund record_provider_refund(store::Tx& tx, const ProviderRefund& r, const Config& config, TimePoint now) {
  const auto order = lock_and_load(tx, r.order_id);
  if (!order) return RecordedRefund::UnknownOrder;
  if (store::find_refund_by_provider_ref(tx.db, r.provider_ref)) return RecordedRefund::AlreadyKnown;
  if (!r.shopd_refund_id.empty())
    if (auto ours = store::find_refund(tx.db, r.shopd_refund_id); ours && ours->order_id == r.order_id)
      return RecordedRefund::AlreadyKnown;  // its own job records it
  if (order->paid_at.empty()) return RecordedRefund::NotPaid;
  store::Refund refund;
  refund.id = new_uuid7();
  refund.order_id = r.order_id;
  refund.state = RefundState::Succeeded;
  refund.origin = store::kRefundByProvider;
  refund.amount_cents = r.amount_cents;
  refund.currency = order->currency;
  refund.reason = r.reason;
  refund.provider_ref = r.provider_ref;
  refund.succeeded_at = format_iso(now);
  store::insert_refund(tx, refund, now);
  number_credit_note(tx, refund, config, now);
  store::enqueue(tx,
                 new_job(r.order_id, kind::kCreditNoteGenerate, config, now, refund.id, refund_payload(refund.id)),
                 now);
  refresh_order_status(tx, r.order_id, now);
  log::info("refund made at the payment provider recorded",
            {{"order_id", r.order_id}, {"refund_id", refund.id}, {"amount_cents", r.amount_cents}});
  return RecordedRefund::Recorded;
}

void refund_if_cancelled(store::Tx& tx, const store::Job& job, const Config& config, TimePoint now) {
  const auto order = lock_and_load(tx, job.order_id);
  if (!order || order->cancelled_at.empty()) return;
  const std::string refund_id = refund_the_rest(tx, *order, config, now);
  log::info("payment succeeded after the order was cancelled: refunding it",
            {{"order_id", job.order_id}, {"refund_id", refund_id}});
}

void fail_refund(store::Tx& tx, const store::Job& job, const Config&, TimePoint now) {
  store::mark_refund_failed(tx, job.job_key, now);
}

std::optional<OwnerActionError> take_stock_back_for_payment(store::Tx& tx, const store::Job& job, const Config&,
                                                            TimePoint now) {
  if (auto no_stock = store::rereserve_stock(tx, job.order_id, now)) {
    const std::string message = "not enough stock for " + no_stock->sku;
    store::set_last_error(tx, job.id, "out_of_stock: " + message, now);
    log::warn("dead payment not retried: stock is gone", {{"job_id", job.id}, {"order_id", job.order_id}});
    return OwnerActionError{OwnerActionError::Kind::OutOfStock, message};
  }
  // The release that ran when it died is spent (one job per kind and order):
  // forget it, so that should the payment die again, the stock just taken
  // back is released again instead of staying reserved for good.
  store::forget_job(tx, job.order_id, kind::kInventoryRelease);
  return std::nullopt;
}

std::optional<OwnerActionError> reopen_refund_if_it_fits(store::Tx& tx, const store::Job& job, const Config&,
                                                         TimePoint now) {
  const auto order = lock_and_load(tx, job.order_id);
  const auto refund = store::find_refund(tx.db, job.job_key);
  if (!order || !refund) return OwnerActionError{OwnerActionError::Kind::NotFound, "the refund no longer exists"};
  if (refund->state != RefundState::Failed) return std::nullopt;
  // A failed refund counts nowhere: it must still fit in what is left.
  Refundable left = refundable(tx.db, *order);
  bool fits = refund->amount_cents <= left.cents;
  for (const auto& line : refund->lines) fits = fits && line.qty <= left.qty[line.line_no];
  if (!fits) {
    const std::string why = "other refunds took what was left to refund";
    store::set_last_error(tx, job.id, "refund_exceeds_payment: " + why, now);
    return OwnerActionError{OwnerActionError::Kind::RefundExceedsPayment, why};
  }
  store::reopen_refund(tx, refund->id, now);
  return std::nullopt;
}

}  // namespace shopd
