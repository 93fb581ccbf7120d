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

  TEST_CASE("every job kind is reachable from an order's payment, and the graph has no cycle") {
    std::set<std::string_view> seen;
    std::vector<std::pair<std::string_view, int>> todo = {{kind::kPaymentCharge, 0}};
    while (!todo.empty()) {
      auto [k, depth] = todo.back();
      todo.pop_back();
      REQUIRE(depth < 10);  // a cycle would walk forever
      seen.insert(k);
      for (auto next : successors_on_done(k)) todo.push_back({next, depth + 1});
      for (auto next : successors_on_dead(k, true)) todo.push_back({next, depth + 1});
    }
    seen.insert(kind::kAlertTeam);  // the failure hook adds it after any death
    CHECK(seen.size() == kAllJobKinds.size());
  }

  TEST_CASE("an order shows four steps: payment, inventory, invoice, email") {
    std::vector<std::string> step_names;
    for (const auto& s : order_steps()) step_names.emplace_back(s.name);
    CHECK(step_names == std::vector<std::string>{"payment", "inventory", "invoice", "email"});
    for (const auto& s : order_steps()) CHECK(is_job_kind(s.kind));
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
