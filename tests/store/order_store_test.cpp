// The intake transaction's core (src/store/order_store.cpp, create_order):
// catalog prices, the order with its items, the stock reservation and the
// first job, all or nothing.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/job_kind.h"
#include "core/uuid7.h"
#include "store/order_store.h"
#include "store/product_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::t0;
using shopd::testing::intake_options;
using shopd::testing::TempStore;

namespace {

NewOrder order_of(std::vector<OrderLine> lines) {
  NewOrder o;
  o.customer = Customer{"ann@example.com", "Ann Example"};
  o.items = std::move(lines);
  o.payment_method = "pm_card_visa";
  o.shipping = Address{"Hauptstrasse 5", "Hinterhaus", "Berlin", "10115", "DE"};
  return o;
}

std::variant<store::CreatedOrder, store::LineRefused> create(TempStore& t, const NewOrder& o) {
  return t.write([&](store::Tx& tx) {
    return store::create_order(tx, o, intake_options(5, t0(), "req-1"));
  });
}

store::LineRefused refused(TempStore& t, const NewOrder& o) {
  auto r = create(t, o);
  REQUIRE_MESSAGE(std::holds_alternative<store::LineRefused>(r), "the order was accepted");
  return std::get<store::LineRefused>(r);
}

constexpr auto kUnknownSku = store::LineRefused::Reason::UnknownSku;
constexpr auto kOutOfStock = store::LineRefused::Reason::OutOfStock;

int64_t count(TempStore& t, const char* table) {
  return t.read([&](store::Connection& db) {
    auto q = db.query(std::string("SELECT count(*) FROM ") + table);
    q.step();
    return q.int64(0);
  });
}

// Nothing of any order is in the database, and the catalog is as seeded.
void check_nothing_stored(TempStore& t) {
  for (const std::string table : {"orders", "order_items", "outbox", "job_attempts", "idempotency_keys"}) {
    CAPTURE(table);
    CHECK(count(t, table.c_str()) == 0);
  }
  // Seeding the catalog wrote ledger rows of its own; an order's rows name the order.
  CHECK(count(t, "stock_ledger WHERE order_id IS NOT NULL") == 0);
  CHECK(t.stock("MUG-01") == 50);
  CHECK(t.stock("TEE-01") == 10);
}

struct LedgerRow {
  std::string sku;
  std::string reason;
  int64_t qty_delta;
};

std::vector<LedgerRow> ledger(TempStore& t, const std::string& order_id) {
  return t.read([&](store::Connection& db) {
    std::vector<LedgerRow> rows;
    auto q = db.query("SELECT sku, reason, qty_delta FROM stock_ledger WHERE order_id = ?1 ORDER BY sku");
    q.bind(order_id);
    while (q.step()) rows.push_back({q.text(0), q.text(1), q.int64(2)});
    return rows;
  });
}

}  // namespace

TEST_SUITE("order_store") {
  TEST_CASE("an order is stored with catalog prices, its reservation and a pending payment job") {
    TempStore t;
    auto r = create(t, order_of({{"MUG-01", 2}, {"TEE-01", 3}}));
    REQUIRE(std::holds_alternative<store::CreatedOrder>(r));
    const auto created = std::get<store::CreatedOrder>(r);
    CHECK(is_uuid(created.id));
    CHECK(created.total_cents == 2 * 1200 + 3 * 2500);
    CHECK(created.created_at == format_iso(t0()));

    const auto o = t.load(created.id);
    REQUIRE(o);
    CHECK(o->status == "received");
    CHECK(o->stock_state == "reserved");
    CHECK(o->total_cents == 9900);
    CHECK(o->currency == "EUR");
    CHECK(o->customer.email == "ann@example.com");
    CHECK(o->customer.name == "Ann Example");
    CHECK(o->shipping.line1 == "Hauptstrasse 5");
    CHECK(o->shipping.line2 == "Hinterhaus");
    CHECK(o->shipping.city == "Berlin");
    CHECK(o->shipping.postal_code == "10115");
    CHECK(o->shipping.country == "DE");
    CHECK(o->payment_method == "pm_card_visa");
    CHECK(o->payment_ref.empty());
    CHECK(o->created_at == "2030-01-02T03:04:05.000Z");
    REQUIRE(o->items.size() == 2);
    CHECK(o->items[0].sku == "MUG-01");
    CHECK(o->items[0].name == "Coffee mug");
    CHECK(o->items[0].qty == 2);
    CHECK(o->items[0].price_cents == 1200);
    CHECK(o->items[1].sku == "TEE-01");
    CHECK(o->items[1].price_cents == 2500);

    CHECK(t.stock("MUG-01") == 48);
    CHECK(t.stock("TEE-01") == 7);
    const auto rows = ledger(t, created.id);
    REQUIRE(rows.size() == 2);
    CHECK((rows[0].sku == "MUG-01" && rows[0].reason == "reserve" && rows[0].qty_delta == -2));
    CHECK((rows[1].sku == "TEE-01" && rows[1].reason == "reserve" && rows[1].qty_delta == -3));

    const auto jobs = t.jobs(created.id);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].kind == kind::kPaymentCharge);
    CHECK(jobs[0].state == "pending");
    CHECK(jobs[0].attempts == 0);
    CHECK(jobs[0].max_attempts == 5);
    CHECK(jobs[0].run_at == format_iso(t0()));
  }

  TEST_CASE("an unknown sku on any line stores nothing and names that line") {
    TempStore t;
    const auto e = refused(t, order_of({{"MUG-01", 2}, {"NOPE-01", 1}}));
    CHECK(e.reason == kUnknownSku);
    CHECK(e.line == 1);
    CHECK(e.sku == "NOPE-01");
    check_nothing_stored(t);
  }

  TEST_CASE("not enough stock on a later line gives back what earlier lines reserved") {
    TempStore t;
    const auto e = refused(t, order_of({{"MUG-01", 2}, {"TEE-01", 11}}));
    CHECK(e.reason == kOutOfStock);
    CHECK(e.line == 1);
    CHECK(e.sku == "TEE-01");
    check_nothing_stored(t);
  }

  TEST_CASE("the same sku on two lines needs stock for both") {
    TempStore t;
    const auto e = refused(t, order_of({{"TEE-01", 6}, {"TEE-01", 5}}));
    CHECK(e.reason == kOutOfStock);
    CHECK(e.line == 1);
    check_nothing_stored(t);
    REQUIRE(std::holds_alternative<store::CreatedOrder>(create(t, order_of({{"TEE-01", 5}, {"TEE-01", 5}}))));
    CHECK(t.stock("TEE-01") == 0);
  }

  TEST_CASE("the last unit can be sold and the next order for it is refused") {
    TempStore t;
    REQUIRE(std::holds_alternative<store::CreatedOrder>(create(t, order_of({{"TEE-01", 10}}))));
    CHECK(t.stock("TEE-01") == 0);
    CHECK(refused(t, order_of({{"TEE-01", 1}})).reason == kOutOfStock);
    CHECK(t.stock("TEE-01") == 0);
    CHECK(count(t, "orders") == 1);
  }

  TEST_CASE("a refused order does not disturb orders in the same batch") {
    TempStore t;
    // Three intake transactions in flight at once share one writer batch.
    std::vector<std::variant<store::CreatedOrder, store::LineRefused>> results(3);
    std::vector<std::thread> threads;
    const std::vector<NewOrder> orders = {order_of({{"MUG-01", 1}}), order_of({{"TEE-01", 99}}),
                                          order_of({{"TEE-01", 1}})};
    for (size_t i = 0; i < orders.size(); ++i)
      threads.emplace_back([&, i] { results[i] = create(t, orders[i]); });
    for (auto& th : threads) th.join();
    CHECK(std::holds_alternative<store::CreatedOrder>(results[0]));
    CHECK(std::holds_alternative<store::LineRefused>(results[1]));
    CHECK(std::holds_alternative<store::CreatedOrder>(results[2]));
    CHECK(count(t, "orders") == 2);
    CHECK(t.stock("MUG-01") == 49);
    CHECK(t.stock("TEE-01") == 9);
  }

  TEST_CASE("a stored order keeps the price it was sold at when the catalog changes") {
    TempStore t;
    auto r = create(t, order_of({{"MUG-01", 1}}));
    REQUIRE(std::holds_alternative<store::CreatedOrder>(r));
    t.write([](store::Tx& tx) { store::upsert_product(tx, {"MUG-01", "Big mug", 9900, 5}, t0()); });
    const auto o = t.load(std::get<store::CreatedOrder>(r).id);
    CHECK(o->total_cents == 1200);
    CHECK(o->items[0].price_cents == 1200);
    CHECK(o->items[0].name == "Coffee mug");
  }

  TEST_CASE("orders list newest first, and a cursor continues after the given id") {
    TempStore t;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(t.order("MUG-01", 1));
    const auto all = t.read([](store::Connection& db) { return store::list_orders(db, 10, std::nullopt); });
    REQUIRE(all.size() == 5);
    for (size_t i = 0; i < 5; ++i) CHECK(all[i].id == ids[4 - i]);
    const auto page = t.read([&](store::Connection& db) { return store::list_orders(db, 2, ids[3]); });
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == ids[2]);
    CHECK(page[1].id == ids[1]);
  }

  TEST_CASE("loading an order that does not exist gives nothing") {
    TempStore t;
    CHECK_FALSE(t.load(new_uuid7()).has_value());
  }
}
