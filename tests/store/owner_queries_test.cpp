// The store's reads and edits behind the owner's dashboard: order search
// (order_store.cpp), orders needing attention, the outbox figures and recent
// failures (outbox_store.cpp), and the product edit that refuses to overwrite
// stock that changed meanwhile (product_store.cpp).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/job_kind.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::t0;
using shopd::testing::intake_options;
using shopd::testing::TempStore;

namespace {

std::string order_by(TempStore& t, const std::string& name, const std::string& email, TimePoint now = t0()) {
  NewOrder o;
  o.customer = Customer{email, name};
  o.items = {OrderLine{"MUG-01", 1}};
  o.payment_method = "pm_card_visa";
  o.shipping = Address{"Hauptstrasse 5", "", "Berlin", "10115", "DE"};
  const auto created =
      t.write([&](store::Tx& tx) { return store::create_order(tx, o, intake_options(3, now, "r")); });
  return std::get<store::CreatedOrder>(created).id;
}

std::vector<std::string> search(TempStore& t, store::OrderSearch s) {
  const auto rows = t.read([&](store::Connection& db) { return store::search_orders(db, s); });
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.customer_name);
  return names;
}

store::OrderSearch text(std::string q) {
  store::OrderSearch s;
  s.text = std::move(q);
  return s;
}

// An order whose payment attempt failed with `error`: dead when permanent,
// else retrying an hour later. Orders are made one at a time, so the claim
// takes only this order's payment.
std::string failed_order(TempStore& t, const std::string& name, const JobError& error, TimePoint when) {
  const auto order_id = order_by(t, name, "x@x.test", when);
  const auto claimed = t.claim(when);
  REQUIRE(claimed.size() == 1);
  REQUIRE(claimed[0].order_id == order_id);
  t.write([&](store::Tx& tx) {
    const store::AttemptEnd end{when, 7, &error};
    return error.is_permanent() ? store::mark_dead(tx, claimed[0], end)
                                : store::mark_retrying(tx, claimed[0], end, when + std::chrono::hours(1));
  });
  return order_id;
}

}  // namespace

TEST_SUITE("owner queries") {
  TEST_CASE("orders are found by id, or by any part of the customer's email or name, newest first") {
    TempStore t;
    const auto ann = order_by(t, "Ann Example", "ann@example.com");
    order_by(t, "Bob Builder", "bob@builder.test");
    order_by(t, "Annette Zoë", "zoe@example.org");
    CHECK(search(t, text(ann)) == std::vector<std::string>{"Ann Example"});
    CHECK(search(t, text("ANN")) == std::vector<std::string>{"Annette Zoë", "Ann Example"});
    CHECK(search(t, text("example.")) == std::vector<std::string>{"Annette Zoë", "Ann Example"});
    CHECK(search(t, text("builder")) == std::vector<std::string>{"Bob Builder"});
    CHECK(search(t, text("Zoë")) == std::vector<std::string>{"Annette Zoë"});
    CHECK(search(t, text("nobody")).empty());
    CHECK(search(t, {}).size() == 3);
  }

  TEST_CASE("% and _ in the search text match themselves, not any text") {
    TempStore t;
    order_by(t, "Ann Example", "ann@example.com");
    order_by(t, "100% Cotton_Ltd", "shop@cotton.test");
    CHECK(search(t, text("%")) == std::vector<std::string>{"100% Cotton_Ltd"});
    CHECK(search(t, text("_")) == std::vector<std::string>{"100% Cotton_Ltd"});
    CHECK(search(t, text("n_E")).empty());
  }

  TEST_CASE("orders filter by status and by creation time, and page with a cursor") {
    TempStore t;
    order_by(t, "Day one", "a@x.test", at(0));
    const auto second = order_by(t, "Day two", "b@x.test", at(86400));
    order_by(t, "Day three", "c@x.test", at(2 * 86400));
    t.write([&](store::Tx& tx) { store::set_order_status(tx, second, OrderStatus::Completed, at(86400)); });

    store::OrderSearch completed;
    completed.status = OrderStatus::Completed;
    CHECK(search(t, completed) == std::vector<std::string>{"Day two"});

    store::OrderSearch window;
    window.created_from = format_iso(at(86400));
    window.created_before = format_iso(at(2 * 86400));
    CHECK(search(t, window) == std::vector<std::string>{"Day two"});

    store::OrderSearch first_page;
    first_page.limit = 2;
    const auto page = t.read([&](store::Connection& db) { return store::search_orders(db, first_page); });
    REQUIRE(page.size() == 2);
    store::OrderSearch next_page;
    next_page.after_id = page.back().id;
    CHECK(search(t, next_page) == std::vector<std::string>{"Day one"});
  }

  TEST_CASE("orders with a dead job need attention; a retrying job does not count") {
    TempStore t;
    const auto declined = failed_order(t, "Declined", JobError::permanent("card_declined", "declined"), at(1));
    failed_order(t, "Flaky", JobError::transient("timeout", "slow"), at(2));
    const auto rows = t.read([](store::Connection& db) { return store::orders_needing_attention(db, 10); });
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id == declined);
    CHECK(rows[0].customer_name == "Declined");
    CHECK(rows[0].dead_kinds == "payment.charge");
    CHECK(t.read([](store::Connection& db) { return store::count_orders_needing_attention(db); }) == 1);
  }

  TEST_CASE("recent failures list failed attempts newest first with their job's kind, order and state") {
    TempStore t;
    const auto first = failed_order(t, "First", JobError::transient("timeout", "slow"), at(1));
    const auto second = failed_order(t, "Second", JobError::permanent("card_declined", "declined"), at(2));
    const auto failures = t.read([](store::Connection& db) { return store::recent_failed_attempts(db, 10); });
    REQUIRE(failures.size() == 2);
    CHECK(failures[0].order_id == second);
    CHECK(failures[0].attempt.error_code == "card_declined");
    CHECK(failures[0].job_state == JobState::Dead);
    CHECK(failures[1].order_id == first);
    CHECK(failures[1].job_state == JobState::Retrying);
    CHECK(failures[1].kind == kind::kPaymentCharge);
    CHECK(t.read([](store::Connection& db) { return store::recent_failed_attempts(db, 1); }).size() == 1);
  }

  TEST_CASE("dead jobs list and count by kind") {
    TempStore t;
    const auto a = failed_order(t, "A", JobError::permanent("card_declined", "declined"), at(1));
    const auto b = failed_order(t, "B", JobError::permanent("card_declined", "declined"), at(2));
    const auto payments = std::optional<std::string>(std::string(kind::kPaymentCharge));
    const auto emails = std::optional<std::string>(std::string(kind::kEmailConfirmation));
    t.read([&](store::Connection& db) {
      CHECK(store::count_dead_jobs(db, std::nullopt) == 2);
      CHECK(store::count_dead_jobs(db, payments) == 2);
      CHECK(store::count_dead_jobs(db, emails) == 0);
      const auto page = store::list_dead_jobs(db, payments, 1, std::nullopt);
      REQUIRE(page.size() == 1);
      CHECK(page[0].job.order_id == b);
      CHECK(page[0].customer_name == "B");
      const auto rest = store::list_dead_jobs(db, payments, 10, page[0].job.id);
      REQUIRE(rest.size() == 1);
      CHECK(rest[0].job.order_id == a);
    });
  }

  TEST_CASE("the oldest due job is the one waiting longest past its run_at") {
    TempStore t;
    const auto first = order_by(t, "First", "a@x.test", at(0));
    order_by(t, "Second", "b@x.test", at(5));
    t.read([&](store::Connection& db) {
      CHECK_FALSE(store::oldest_due_job(db, at(-1)));
      const auto oldest = store::oldest_due_job(db, at(10));
      REQUIRE(oldest);
      CHECK(oldest->order_id == first);
    });
  }

  TEST_CASE("a product edit saves only when the stock is still what the owner saw") {
    TempStore t;
    const store::Product edit{"MUG-01", "Coffee mug, large", 1500, 40};
    CHECK(t.write([&](store::Tx& tx) { return store::edit_product(tx, edit, 49, at(1)); }) ==
          store::ProductEdit::StockChanged);
    CHECK(t.stock("MUG-01") == 50);
    CHECK(t.write([&](store::Tx& tx) { return store::edit_product(tx, edit, 50, at(1)); }) ==
          store::ProductEdit::Saved);
    const auto mug = t.read([](store::Connection& db) { return store::find_product(db, "MUG-01"); });
    CHECK(mug->name == "Coffee mug, large");
    CHECK(mug->price_cents == 1500);
    CHECK(mug->stock == 40);
    CHECK(t.write([&](store::Tx& tx) {
      return store::edit_product(tx, store::Product{"NOPE-01", "x", 1, 1}, 0, at(1));
    }) == store::ProductEdit::NotFound);
  }
}
