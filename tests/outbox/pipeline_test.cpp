#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/job_kind.h"
#include "outbox/job_executor.h"
#include "outbox/pipeline.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

namespace {

std::vector<std::string> names(const std::vector<std::string_view>& kinds) {
  return {kinds.begin(), kinds.end()};
}

std::multiset<std::string> kinds_of(const std::vector<store::Job>& jobs) {
  std::multiset<std::string> out;
  for (const auto& j : jobs) out.insert(j.kind);
  return out;
}

Config test_config() {
  Config c;
  c.retry.defaults = RetryPolicy{5, 0.05, 0.2};
  return c;
}

// Runs one claimed job to "done" the way the executor does, in one write.
bool finish(TempStore& t, const store::Job& job, const Config& config, bool roll_back = false) {
  return t.write([&](store::Tx& tx) {
    const bool applied =
        apply_decision(tx, job, decision::Done{}, store::AttemptEnd{at(1), 5, nullptr}, JobResult::success(), config);
    if (roll_back) tx.rollback();
    return applied;
  });
}

store::Job claim_only(TempStore& t, const std::string& order_id, std::string_view kind) {
  for (auto& j : t.claim(at(1), 100))
    if (j.order_id == order_id && j.kind == kind) return j;
  throw std::runtime_error("nothing to claim of kind " + std::string(kind));
}

}  // namespace

TEST_SUITE("pipeline") {
  TEST_CASE("a done payment is followed by inventory.commit and invoice.generate") {
    CHECK(names(successors_on_done(kind::kPaymentCharge)) ==
          std::vector<std::string>{"inventory.commit", "invoice.generate"});
  }

  TEST_CASE("a done invoice is followed by the confirmation email") {
    CHECK(names(successors_on_done(kind::kInvoiceGenerate)) == std::vector<std::string>{"email.confirmation"});
  }

  TEST_CASE("a payment the provider refused is followed by the stock release and the customer's failure email") {
    CHECK(names(successors_on_dead(kind::kPaymentCharge, /*provider_answered=*/true)) ==
          std::vector<std::string>{"inventory.release", "email.payment_failed"});
  }

  TEST_CASE("a payment that died unreachable keeps its stock and tells the customer nothing: it may be charged") {
    CHECK(successors_on_dead(kind::kPaymentCharge, /*provider_answered=*/false).empty());
  }

  TEST_CASE("the other kinds end their branch") {
    for (auto k : {kind::kInventoryCommit, kind::kEmailConfirmation, kind::kInventoryRelease,
                   kind::kEmailPaymentFailed, kind::kAlertTeam}) {
      CAPTURE(k);
      CHECK(successors_on_done(k).empty());
    }
    for (auto k : kAllJobKinds)
      if (k != kind::kPaymentCharge) CHECK(successors_on_dead(k, true).empty());
  }

  TEST_CASE("every job kind is reachable from an order's first job or started by code, and the graph has no cycle") {
    std::set<std::string_view> seen;
    std::vector<std::pair<std::string_view, int>> todo;
    for (const auto& job : first_jobs(test_config(), at(0))) todo.push_back({job.kind, 0});
    for (const auto& k : job_kinds())
      if (k.start == Start::ByCode) todo.push_back({k.name, 0});
    while (!todo.empty()) {
      auto [k, depth] = todo.back();
      todo.pop_back();
      REQUIRE(depth < 10);  // a cycle would walk forever
      seen.insert(k);
      for (auto next : successors_on_done(k)) todo.push_back({next, depth + 1});
      for (auto next : successors_on_dead(k, true)) todo.push_back({next, depth + 1});
    }
    CHECK(seen.size() == kAllJobKinds.size());
  }

  TEST_CASE("an order shows four steps: payment, inventory, invoice, email") {
    std::vector<std::string> step_names(public_step_names().begin(), public_step_names().end());
    CHECK(step_names == std::vector<std::string>{"payment", "inventory", "invoice", "email"});
  }

  TEST_CASE("the kind table and the stored names list the same kinds, each once, each with a handler") {
    std::vector<std::string_view> table;
    for (const auto& k : job_kinds()) {
      CAPTURE(k.name);
      table.push_back(k.name);
      CHECK((k.handler != nullptr));
      CHECK((handler_for(k.name) == k.handler));
      CHECK_FALSE(k.what_it_does.empty());
      CHECK((k.start == Start::After) == !k.after.empty());
      if (k.start == Start::ByCode) CHECK_FALSE(k.started_by.empty());
      for (const auto& a : k.after) CHECK(find_job_kind(a.kind) != nullptr);
    }
    CHECK(table == std::vector<std::string_view>(kAllJobKinds.begin(), kAllJobKinds.end()));
    CHECK((handler_for("no.such_kind") == nullptr));
  }

  TEST_CASE("an order's first job is its payment, with the table's priority and the configured attempts") {
    auto config = test_config();
    config.retry.overrides["payment"] = RetryPolicy{7, 0.05, 0.2};
    const auto jobs = first_jobs(config, at(3));
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].kind == kind::kPaymentCharge);
    CHECK(jobs[0].max_attempts == 7);
    CHECK(jobs[0].priority == job_priority(kind::kPaymentCharge));
    CHECK(jobs[0].run_at == at(3));
    CHECK(jobs[0].key.empty());
  }

  TEST_CASE("later steps of the pipeline are claimed first: alerts, stock, invoice, email, then payments") {
    CHECK(job_priority(kind::kAlertTeam) < job_priority(kind::kInventoryCommit));
    CHECK(job_priority(kind::kInventoryCommit) < job_priority(kind::kInvoiceGenerate));
    CHECK(job_priority(kind::kInvoiceGenerate) < job_priority(kind::kEmailConfirmation));
    CHECK(job_priority(kind::kEmailConfirmation) < job_priority(kind::kPaymentCharge));
    CHECK(job_priority(kind::kInventoryRelease) == job_priority(kind::kInventoryCommit));
  }

  TEST_CASE("a successor carries its predecessor's key and payload: it is about the same subject") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    store::Job done = t.job(id, kind::kPaymentCharge);
    done.job_key = "refund-1";
    done.payload = R"({"refund_id":"refund-1"})";
    for (int i = 0; i < 2; ++i)
      t.write([&](store::Tx& tx) { enqueue_successors(tx, done, {kind::kInvoiceGenerate}, config, at(1)); });
    int invoices = 0;
    for (const auto& j : t.jobs(id)) {
      if (j.kind != kind::kInvoiceGenerate) continue;
      ++invoices;
      CHECK(j.job_key == "refund-1");
      CHECK(j.payload == R"({"refund_id":"refund-1"})");
    }
    CHECK(invoices == 1);
  }

  TEST_CASE("a step shows its highest-ranked job, and keyed jobs report as no step") {
    Order order;
    order.status = OrderStatus::PaymentFailed;
    auto job = [](std::string kind, JobState state, std::string key = "") {
      store::Job j;
      j.kind = std::move(kind);
      j.state = state;
      j.job_key = std::move(key);
      return j;
    };
    const std::vector<store::Job> jobs = {job("payment.charge", JobState::Dead),
                                          job("inventory.release", JobState::Done),
                                          job("email.payment_failed", JobState::Running),
                                          job("email.confirmation", JobState::Dead, "some-subject")};
    const auto steps = public_steps(order, jobs);
    REQUIRE(steps.size() == 4);
    CHECK(steps[0].state == "dead");
    CHECK(steps[1].job->kind == "inventory.release");
    CHECK(steps[1].state == "done");
    CHECK(steps[2].job == nullptr);
    CHECK(steps[2].state == "skipped");
    CHECK(steps[3].job->kind == "email.payment_failed");
    CHECK(steps[3].state == "running");
  }

  TEST_CASE("a paid order whose jobs retention pruned shows its steps done, whatever its status became") {
    Order order;
    order.status = OrderStatus::Refunded;
    order.paid_at = "2030-01-02T03:04:05.000Z";
    for (const auto& step : public_steps(order, {})) CHECK(step.state == "done");
    order.paid_at.clear();
    order.status = OrderStatus::Received;
    for (const auto& step : public_steps(order, {})) CHECK(step.state == "waiting");
  }

  TEST_CASE("the payment step of an order waiting for the customer is action_required") {
    Order order;
    order.status = OrderStatus::ActionRequired;
    store::Job payment;
    payment.kind = "payment.charge";
    payment.state = JobState::Pending;
    const auto steps = public_steps(order, {payment});
    CHECK(steps[0].state == "action_required");
    CHECK(steps[1].state == "waiting");
  }

  TEST_CASE("refreshing the status says what it was and what it became, once") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    REQUIRE(finish(t, claim_only(t, id, kind::kPaymentCharge), config));  // refreshes: received -> paid
    const auto again = t.write([&](store::Tx& tx) { return refresh_order_status(tx, id, at(2)); });
    CHECK_FALSE(again.has_value());
    t.write([&](store::Tx& tx) { store::set_order_status(tx, id, OrderStatus::Received, at(2)); });
    const auto change = t.write([&](store::Tx& tx) { return refresh_order_status(tx, id, at(3)); });
    REQUIRE(change.has_value());
    CHECK(change->from == "received");
    CHECK(change->to == "paid");
    CHECK_FALSE(t.write([&](store::Tx& tx) { return refresh_order_status(tx, "no-such-order", at(3)); }));
  }

  TEST_CASE("finishing the payment creates its successors and marks the order paid in the same write") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim_only(t, id, kind::kPaymentCharge);
    REQUIRE(finish(t, payment, config));
    CHECK(kinds_of(t.jobs(id)) == std::multiset<std::string>{"inventory.commit", "invoice.generate", "payment.charge"});
    CHECK(t.job(id, kind::kPaymentCharge).state == "done");
    CHECK(t.job(id, kind::kInvoiceGenerate).state == "pending");
    CHECK(t.load(id)->status == "paid");
  }

  TEST_CASE("when the write that finishes a job rolls back, no successor exists either") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim_only(t, id, kind::kPaymentCharge);
    finish(t, payment, config, /*roll_back=*/true);
    CHECK(kinds_of(t.jobs(id)) == std::multiset<std::string>{"payment.charge"});
    CHECK(t.job(id, kind::kPaymentCharge).state == "running");
    CHECK(t.load(id)->status == "received");
  }

  TEST_CASE("the whole happy path ends with the order completed") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    REQUIRE(finish(t, claim_only(t, id, kind::kPaymentCharge), config));
    REQUIRE(finish(t, claim_only(t, id, kind::kInventoryCommit), config));
    // inventory.commit was claimed together with invoice.generate above.
    REQUIRE(finish(t, t.job(id, kind::kInvoiceGenerate), config));
    CHECK(t.load(id)->status == "paid");
    REQUIRE(finish(t, claim_only(t, id, kind::kEmailConfirmation), config));
    CHECK(t.load(id)->status == "completed");
    CHECK(kinds_of(t.jobs(id)) == std::multiset<std::string>{"email.confirmation", "inventory.commit",
                                                              "invoice.generate", "payment.charge"});
  }

  TEST_CASE("enqueueing a successor twice leaves one job, with its kind's max_attempts") {
    TempStore t;
    auto config = test_config();
    config.retry.overrides["email"] = RetryPolicy{2, 0.05, 0.2};
    const auto id = t.order();
    for (int i = 0; i < 2; ++i)
      t.write([&](store::Tx& tx) {
        enqueue_kinds(tx, id, {kind::kInvoiceGenerate, kind::kEmailConfirmation}, config, at(1));
      });
    CHECK(kinds_of(t.jobs(id)) == std::multiset<std::string>{"email.confirmation", "invoice.generate", "payment.charge"});
    CHECK(t.job(id, kind::kEmailConfirmation).max_attempts == 2);
    CHECK(t.job(id, kind::kInvoiceGenerate).max_attempts == 5);
  }
}
