// After the sale (SPEC section 9): an owner cancels an order, refunds all or
// part of it, or marks it shipped; a refund made in Stripe's dashboard is
// recorded. Used by the admin API, the dashboard and `shopd orders ...`. Each
// runs in the caller's write transaction, holds the order's row (so a job of
// the order finishing at the same time, here or on another node, sees the
// change or waits for it), writes the change with the jobs that carry it out,
// and refreshes the order's status (refresh_order_status).
//
// Cancel:
//   - shipped: already_shipped; cancelled, refunded, or its payment failed:
//     not_cancellable (also a payment that died unanswered: it may have been
//     charged, and only retrying it finds out).
//   - paid: a refund of all that is left to refund, restocking every line
//     not yet given back (payment.refund, origin "cancel").
//   - the payment has not started (pending, never attempted, no
//     PaymentIntent): it is discarded and the stock released
//     (inventory.release).
//   - the payment is running or retrying: it is left to end. If it succeeds,
//     the charge's done transaction refunds it (refund_if_cancelled); if it
//     fails, its stock is released as for any failed payment. Either way the
//     order stays cancelled and the customer is told once.
//   - a payment waiting for the customer (3-D Secure, SPEC section 8): the
//     payment job's own code cancels the PaymentIntent when it next runs and
//     finds the order cancelled (its waiting state is the 3-D Secure
//     branch's; until then such a payment is "running or retrying" above).
//   The customer gets email.cancelled. The status is `cancelled` from this
//   transaction on (the 202's status), unless a job of the order needs
//   attention.
//
// Every action first checks its ask (the same checks for the API, the
// dashboard and the CLI): a reason of at most 500 characters; 1-100 refund
// lines of qty 1-1000, restock only with lines; carrier and tracking number of
// 1-200 characters, a tracking link that is an http(s) URL of at most 2048.
//
// Refund: by amount, or by lines (sku, qty) with an optional restock when it
// succeeds. Never more than is left: the order's total less pending and
// succeeded refunds (refund_exceeds_payment), per line likewise; an unpaid
// order: not_paid. The refund starts pending; payment.refund settles it.
//
// Shipment: once per order (already_shipped); the order must be paid
// (not_paid) and not cancelled or refunded (not_shippable). The customer gets
// email.shipped with the tracking link.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/states.h"
#include "core/time.h"
#include "outbox/owner_actions.h"
#include "store/outbox_store.h"
#include "store/refund_store.h"
#include "store/writer.h"

namespace shopd {

// Why an action was refused. http/ maps NotFound to 404, Invalid to 400 and
// Conflict to 409.
struct AfterSaleError {
  enum class Kind { NotFound, Invalid, Conflict };
  Kind kind = Kind::Conflict;
  std::string code;     // not_found, invalid_request, already_shipped, not_cancellable, refund_exceeds_payment, ...
  std::string message;
  std::string field;    // the input at fault, when one is
};

struct CancelOutcome {
  OrderStatus status = OrderStatus::Cancelled;  // the order's status after the cancel
  std::string refund_id;                        // the refund it started, if the order was paid
};
std::variant<CancelOutcome, AfterSaleError> cancel_order(store::Tx& tx, const std::string& order_id,
                                                         const std::string& reason, const Config& config,
                                                         TimePoint now);

struct RefundItem {
  std::string sku;
  int qty = 0;
};
struct RefundAsk {
  std::optional<int64_t> amount_cents;  // either an amount ...
  std::vector<RefundItem> items;        // ... or lines
  std::string reason;
  bool restock = false;  // lines only: put them back on sale when the refund succeeds
};
std::variant<store::Refund, AfterSaleError> refund_order(store::Tx& tx, const std::string& order_id,
                                                         const RefundAsk& ask, const Config& config, TimePoint now);

struct ShipmentAsk {
  std::string carrier;
  std::string tracking_number;
  std::string tracking_url;  // may be empty
};
std::variant<store::Shipment, AfterSaleError> ship_order(store::Tx& tx, const std::string& order_id,
                                                         const ShipmentAsk& ask, const Config& config, TimePoint now);

// A refund the provider reports that shopd may not have made (Stripe's
// charge.refunded: one made in Stripe's dashboard). Recorded once per
// provider refund id, as succeeded, with its credit note (credit_note.generate
// and the customer's email follow); no restock (Stripe knows nothing of the
// goods). The refunds shopd made itself are recognised by their provider id or
// by `shopd_refund_id` (Stripe's metadata[refund_id]) and never recorded twice.
struct ProviderRefund {
  std::string order_id;
  std::string provider_ref;     // "re_..."
  int64_t amount_cents = 0;
  std::string shopd_refund_id;  // metadata[refund_id], empty when Stripe's dashboard made it
  std::string reason;
};
enum class RecordedRefund { Recorded, AlreadyKnown, UnknownOrder, NotPaid };
RecordedRefund record_provider_refund(store::Tx& tx, const ProviderRefund& refund, const Config& config,
                                      TimePoint now);

// The kind table's hooks (outbox/job_kinds.cpp).
// payment.charge done: the order was cancelled while it ran, so its money goes back.
void refund_if_cancelled(store::Tx& tx, const store::Job& job, const Config& config, TimePoint now);
// payment.refund dead: its refund failed (the customer is not told; the team is alerted).
void fail_refund(store::Tx& tx, const store::Job& job, const Config& config, TimePoint now);
// payment.charge retried by an owner: its stock was released when it died; take it back first.
std::optional<OwnerActionError> take_stock_back_for_payment(store::Tx& tx, const store::Job& job,
                                                            const Config& config, TimePoint now);
// payment.refund retried by an owner: pending again, if it still fits in what is left to refund.
std::optional<OwnerActionError> reopen_refund_if_it_fits(store::Tx& tx, const store::Job& job, const Config& config,
                                                         TimePoint now);

}  // namespace shopd
