#include <doctest/doctest.h>

#include "core/job_kind.h"
#include "jobs/credit_notes.h"
#include "outbox/after_sale.h"
#include "outbox/failure_hook.h"
#include "outbox/job_executor.h"
#include "outbox/owner_actions.h"
#include "outbox/pipeline.h"
#include "store/credit_note_store.h"
#include "store/refund_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

namespace {

Config test_config() {
  Config c;
  c.retry.defaults = RetryPolicy{5, 0.05, 0.2};
  return c;
}

store::Job claim_kind(TempStore& t, const std::string& order_id, std::string_view kind, double when = 1) {
  for (auto& j : t.claim(at(when), 100))
    if (j.order_id == order_id && j.kind == kind) return j;
  throw std::runtime_error("nothing to claim of kind " + std::string(kind));
}

// Ends a claimed job as done the way the executor does, with `effects` in its transaction.
void finish(TempStore& t, const store::Job& job, const Config& config, JobResult::Effects effects = {}) {
  REQUIRE(t.write([&](store::Tx& tx) {
    return apply_decision(tx, job, decision::Done{}, store::AttemptEnd{at(2), 5, nullptr},
                          JobResult::success(std::move(effects)), config);
  }));
}

// The payment succeeded: marked paid with its invoice number, as payment.charge's effects do.
void pay(TempStore& t, const std::string& order_id, const Config& config) {
  finish(t, claim_kind(t, order_id, kind::kPaymentCharge), config, [&](store::Tx& tx, TimePoint now) {
    store::mark_paid(tx, order_id, "pi_test_1", now);
    store::assign_invoice(tx, store::NewInvoice{order_id, "INV-", 2400, 0, "EUR"}, now);
  });
}

std::variant<CancelOutcome, AfterSaleError> cancel(TempStore& t, const std::string& id, const Config& config) {
  return t.write([&](store::Tx& tx) { return cancel_order(tx, id, "asked", config, at(3)); });
}

std::variant<store::Refund, AfterSaleError> refund(TempStore& t, const std::string& id, RefundAsk ask,
                                                   const Config& config) {
  return t.write([&](store::Tx& tx) { return refund_order(tx, id, ask, config, at(3)); });
}

RefundAsk amount(int64_t cents) {
  RefundAsk ask;
  ask.amount_cents = cents;
  return ask;
}

std::string code_of(const std::variant<store::Refund, AfterSaleError>& r) {
  const auto* e = std::get_if<AfterSaleError>(&r);
  return e ? e->code : "";
}

std::vector<store::Refund> refunds(TempStore& t, const std::string& id) {
  return t.read([&](store::Connection& db) { return store::refunds_for_order(db, id); });
}

int count_kind(TempStore& t, const std::string& id, std::string_view kind) {
  int n = 0;
  for (const auto& j : t.jobs(id)) n += j.kind == kind;
  return n;
}

}  // namespace

TEST_SUITE("after_sale") {
  TEST_CASE("cancelling before the payment started discards it and releases the stock through inventory.release") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    const auto outcome = cancel(t, id, config);
    REQUIRE(std::holds_alternative<CancelOutcome>(outcome));
    CHECK(std::get<CancelOutcome>(outcome).status == "cancelled");
    CHECK(std::get<CancelOutcome>(outcome).refund_id.empty());
    CHECK(t.job(id, kind::kPaymentCharge).state == "discarded");
    CHECK(t.job(id, kind::kInventoryRelease).state == "pending");
    CHECK(t.job(id, kind::kEmailCancelled).state == "pending");
    CHECK(t.load(id)->status == "cancelled");
    CHECK(t.load(id)->cancel_reason == "asked");
  }

  TEST_CASE("a charge running when the order is cancelled is left to end; if it succeeds, it is refunded in full") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    const auto running = claim_kind(t, id, kind::kPaymentCharge);
    REQUIRE(std::holds_alternative<CancelOutcome>(cancel(t, id, config)));
    CHECK(t.job(id, kind::kPaymentCharge).state == "running");
    CHECK(count_kind(t, id, kind::kInventoryRelease) == 0);
    CHECK(refunds(t, id).empty());

    finish(t, running, config, [&](store::Tx& tx, TimePoint now) {
      store::mark_paid(tx, id, "pi_test_1", now);
      store::assign_invoice(tx, store::NewInvoice{id, "INV-", 2400, 0, "EUR"}, now);
    });
    const auto made = refunds(t, id);
    REQUIRE(made.size() == 1);
    CHECK(made[0].origin == "cancel");
    CHECK(made[0].amount_cents == 2400);
    CHECK(made[0].restock);
    REQUIRE(made[0].lines.size() == 1);
    CHECK(made[0].lines[0].qty == 2);
    CHECK(t.job(id, kind::kPaymentRefund).job_key == made[0].id);
    CHECK(t.load(id)->status == "cancelled");
  }

  TEST_CASE("cancelling a paid order refunds what is left and restocks what was not given back") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    pay(t, id, config);
    RefundAsk one_mug;
    one_mug.items = {RefundItem{"MUG-01", 1}};
    REQUIRE(std::holds_alternative<store::Refund>(refund(t, id, one_mug, config)));
    const auto outcome = cancel(t, id, config);
    REQUIRE(std::holds_alternative<CancelOutcome>(outcome));
    const auto all = refunds(t, id);
    REQUIRE(all.size() == 2);
    CHECK(all[1].id == std::get<CancelOutcome>(outcome).refund_id);
    CHECK(all[1].amount_cents == 1200);
    REQUIRE(all[1].lines.size() == 1);
    CHECK(all[1].lines[0].qty == 1);
    // Twice is refused, and so is a shipment now.
    const auto again = cancel(t, id, config);
    REQUIRE(std::holds_alternative<AfterSaleError>(again));
    CHECK(std::get<AfterSaleError>(again).code == "not_cancellable");
  }

  TEST_CASE("a payment that died without an answer may have been charged: the order is not cancellable") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim_kind(t, id, kind::kPaymentCharge);
    const auto timeout = JobError::unreachable("timeout", "no answer");
    REQUIRE(t.write([&](store::Tx& tx) { return kill_job(tx, payment, store::AttemptEnd{at(2), 1, &timeout}, config); }));
    const auto refused = cancel(t, id, config);
    REQUIRE(std::holds_alternative<AfterSaleError>(refused));
    CHECK(std::get<AfterSaleError>(refused).code == "not_cancellable");
    CHECK(t.load(id)->cancelled_at.empty());
  }

  TEST_CASE("a refund fits in what is left: pending refunds count, and an unpaid order has nothing to refund") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    CHECK(code_of(refund(t, id, amount(100), config)) == "not_paid");
    pay(t, id, config);
    CHECK(code_of(refund(t, id, amount(2401), config)) == "refund_exceeds_payment");
    CHECK(code_of(refund(t, id, amount(2000), config)).empty());
    CHECK(code_of(refund(t, id, amount(401), config)) == "refund_exceeds_payment");
    RefundAsk lines;
    lines.items = {RefundItem{"MUG-01", 1}};
    CHECK(code_of(refund(t, id, lines, config)) == "refund_exceeds_payment");  // 12.00 > 4.00 left
    lines.items = {RefundItem{"TEE-01", 1}};
    CHECK(code_of(refund(t, id, lines, config)) == "invalid_request");
    CHECK(code_of(refund(t, id, amount(400), config)).empty());
    CHECK(refunds(t, id).size() == 2);
    RefundAsk restock_amount = amount(1);
    restock_amount.restock = true;
    CHECK(code_of(refund(t, id, restock_amount, config)) == "invalid_request");
  }

  TEST_CASE("a refund by lines never gives back more of a line than was bought") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 3);
    pay(t, id, config);
    RefundAsk two;
    two.items = {RefundItem{"MUG-01", 2}};
    const auto first = refund(t, id, two, config);
    REQUIRE(std::holds_alternative<store::Refund>(first));
    CHECK(std::get<store::Refund>(first).amount_cents == 2400);
    const auto second = refund(t, id, two, config);
    REQUIRE(std::holds_alternative<AfterSaleError>(second));
    CHECK(std::get<AfterSaleError>(second).field == "items[0].qty");
  }

  TEST_CASE("a refund that succeeds gets one credit note and restocks once, however often it is settled") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    pay(t, id, config);
    const int64_t before = t.stock("MUG-01");
    RefundAsk ask;
    ask.items = {RefundItem{"MUG-01", 2}};
    ask.restock = true;
    const auto made = std::get<store::Refund>(refund(t, id, ask, config));
    for (int i = 0; i < 2; ++i)
      t.write([&](store::Tx& tx) { return settle_refund(tx, made.id, "re_1", config, at(4)); });
    CHECK(t.stock("MUG-01") == before + 2);
    const auto notes = t.read([&](store::Connection& db) { return store::credit_notes_for_order(db, id); });
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].number == "CN-000001");
    CHECK(notes[0].invoice_number == "INV-000001");
    CHECK(refunds(t, id)[0].state == "succeeded");
    t.write([&](store::Tx& tx) { return refresh_order_status(tx, id, at(5)); });
    CHECK(t.load(id)->status == "refunded");
  }

  TEST_CASE("a dead refund is failed; retried, it is pending again only while it still fits") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    pay(t, id, config);
    const auto made = std::get<store::Refund>(refund(t, id, amount(2000), config));
    const auto job = claim_kind(t, id, kind::kPaymentRefund, 4);
    const auto refused = JobError::permanent("charge_already_refunded", "no").with_status(400);
    REQUIRE(t.write([&](store::Tx& tx) { return kill_job(tx, job, store::AttemptEnd{at(5), 1, &refused}, config); }));
    CHECK(refunds(t, id)[0].state == "failed");
    CHECK(t.load(id)->status == "needs_attention");
    // The failed refund counts nowhere: another takes its room, and the retry is refused.
    REQUIRE(std::holds_alternative<store::Refund>(refund(t, id, amount(1000), config)));
    const auto no = t.write([&](store::Tx& tx) { return retry_dead_job(tx, job.id, config, at(6)); });
    REQUIRE(no.has_value());
    CHECK(no->code() == "refund_exceeds_payment");
    CHECK(t.job(id, kind::kPaymentRefund).state == "dead");
  }

  TEST_CASE("a retried dead refund that still fits is pending again") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    pay(t, id, config);
    std::get<store::Refund>(refund(t, id, amount(500), config));
    const auto job = claim_kind(t, id, kind::kPaymentRefund, 4);
    const auto refused = JobError::permanent("no", "no").with_status(400);
    REQUIRE(t.write([&](store::Tx& tx) { return kill_job(tx, job, store::AttemptEnd{at(5), 1, &refused}, config); }));
    CHECK_FALSE(t.write([&](store::Tx& tx) { return retry_dead_job(tx, job.id, config, at(6)); }).has_value());
    CHECK(refunds(t, id)[0].state == "pending");
    CHECK(t.job(id, kind::kPaymentRefund).state == "pending");
  }

  TEST_CASE("a refund Stripe reports is recorded once, with its credit note; shopd's own are recognised") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order("MUG-01", 2);
    CHECK(t.write([&](store::Tx& tx) {
            return record_provider_refund(tx, ProviderRefund{id, "re_x", 100, "", ""}, config, at(3));
          }) == RecordedRefund::NotPaid);
    pay(t, id, config);
    const ProviderRefund elsewhere{id, "re_dashboard", 2400, "", "requested_by_customer"};
    CHECK(t.write([&](store::Tx& tx) { return record_provider_refund(tx, elsewhere, config, at(3)); }) ==
          RecordedRefund::Recorded);
    CHECK(t.write([&](store::Tx& tx) { return record_provider_refund(tx, elsewhere, config, at(4)); }) ==
          RecordedRefund::AlreadyKnown);
    const auto all = refunds(t, id);
    REQUIRE(all.size() == 1);
    CHECK(all[0].origin == "provider");
    CHECK(all[0].state == "succeeded");
    CHECK(t.job(id, kind::kCreditNoteGenerate).job_key == all[0].id);
    CHECK(t.read([&](store::Connection& db) { return store::find_credit_note(db, all[0].id); }).has_value());
    CHECK(t.load(id)->status == "refunded");

    const auto other = t.order("MUG-01", 1);
    pay(t, other, config);
    const auto ours = std::get<store::Refund>(refund(t, other, amount(300), config));
    CHECK(t.write([&](store::Tx& tx) {
            return record_provider_refund(tx, ProviderRefund{other, "re_ours", 300, ours.id, ""}, config, at(5));
          }) == RecordedRefund::AlreadyKnown);
    CHECK(refunds(t, other).size() == 1);
    CHECK(t.write([&](store::Tx& tx) {
            return record_provider_refund(tx, ProviderRefund{"no-such-order", "re_y", 1, "", ""}, config, at(5));
          }) == RecordedRefund::UnknownOrder);
  }

  TEST_CASE("a shipment is once per paid order, and the customer gets the tracking email") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const ShipmentAsk dhl{"DHL", "123", "https://dhl.example/123"};
    auto ship = [&](const ShipmentAsk& ask) {
      return t.write([&](store::Tx& tx) { return ship_order(tx, id, ask, config, at(3)); });
    };
    CHECK(std::get<AfterSaleError>(ship(dhl)).code == "not_paid");
    pay(t, id, config);
    CHECK(std::get<AfterSaleError>(ship(ShipmentAsk{"DHL", "123", "ftp://x"})).field == "tracking_url");
    CHECK(std::get<AfterSaleError>(ship(ShipmentAsk{"", "123", ""})).field == "carrier");
    REQUIRE(std::holds_alternative<store::Shipment>(ship(dhl)));
    CHECK(std::get<AfterSaleError>(ship(dhl)).code == "already_shipped");
    CHECK(t.job(id, kind::kEmailShipped).state == "pending");
    CHECK(std::get<AfterSaleError>(cancel(t, id, config)).code == "already_shipped");
  }
}
