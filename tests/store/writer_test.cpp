// The single writer: group commit with per-caller savepoints.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "store/product_store.h"
#include "store/writer.h"
#include "tests/store/temp_store.h"

namespace shopd {

using testing::TempStore;
using testing::t0;

namespace {

int64_t count_products(TempStore& t) {
  return t.read([](store::Connection& db) { return static_cast<int64_t>(store::list_products(db).size()); });
}

void add_product(store::Tx& tx, const std::string& sku) {
  store::upsert_product(tx.db, store::Product{sku, "Thing", 100, 1}, t0());
}

}  // namespace

TEST_SUITE("writer") {
  TEST_CASE("a caller's data is committed when run() returns") {
    TempStore t;
    t.write([](store::Tx& tx) { add_product(tx, "NEW-1"); });
    CHECK(count_products(t) == 3);
  }

  TEST_CASE("an exception rolls back only that caller's writes and reaches that caller") {
    TempStore t;
    CHECK_THROWS_AS(t.write([](store::Tx& tx) {
      add_product(tx, "DOOMED");
      throw std::runtime_error("boom");
    }),
                    std::runtime_error);
    t.write([](store::Tx& tx) { add_product(tx, "KEPT"); });
    const auto skus = t.read([](store::Connection& db) { return store::list_products(db); });
    CHECK(skus.size() == 3);
    for (const auto& p : skus) CHECK(p.sku != "DOOMED");
  }

  TEST_CASE("rollback() undoes the caller's writes but still returns its value") {
    TempStore t;
    const int answer = t.write([](store::Tx& tx) {
      add_product(tx, "UNDONE");
      tx.rollback();
      return 42;
    });
    CHECK(answer == 42);
    CHECK(count_products(t) == 2);
  }

  TEST_CASE("concurrent callers each see their own result and all their writes land") {
    TempStore t;
    constexpr int kThreads = 8, kEach = 25;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        for (int j = 0; j < kEach; ++j) {
          const std::string sku = "P-" + std::to_string(i) + "-" + std::to_string(j);
          const std::string got = t.write([&](store::Tx& tx) {
            add_product(tx, sku);
            return sku;
          });
          if (got != sku) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(count_products(t) == 2 + kThreads * kEach);
  }

  TEST_CASE("a full queue sheds run() but not run_always()") {
    TempStore dir;  // only for its folder
    store::StoreOptions options{dir.store().path().parent_path() / "small-queue.db"};
    options.max_queued_writes = 4;
    store::Store small(options);
    store::Writer& w = small.writer();
    std::atomic<bool> release{false};
    std::atomic<bool> started{false};
    // Hold the writer thread inside one task so that later work queues up behind it.
    std::thread blocker([&] {
      w.run([&](store::Tx&) {
        started = true;
        while (!release) std::this_thread::yield();
      });
    });
    while (!started) std::this_thread::yield();
    std::vector<std::thread> queued;
    for (int i = 0; i < 4; ++i) queued.emplace_back([&] { w.run([](store::Tx&) {}); });
    while (w.queued() < 4) std::this_thread::yield();
    CHECK_THROWS_AS(w.run([](store::Tx&) {}), store::WriterOverloaded);
    std::thread always([&] { w.run_always([](store::Tx& tx) { add_product(tx, "ALWAYS"); }); });
    while (w.queued() < 5) std::this_thread::yield();
    release = true;
    blocker.join();
    always.join();
    for (auto& q : queued) q.join();
    const auto found = small.read([](store::Connection& db) { return store::find_product(db, "ALWAYS"); });
    CHECK(found.has_value());
  }

  TEST_CASE("a waiting request is written before queued background work") {
    TempStore t;
    store::Writer& w = t.store().writer();
    std::atomic<bool> release{false}, started{false};
    std::mutex mu;
    std::vector<std::string> order_of_execution;
    auto record = [&](std::string what) {
      std::lock_guard lock(mu);
      order_of_execution.push_back(std::move(what));
    };
    std::thread blocker([&] {
      w.run_always([&](store::Tx&) {
        started = true;
        while (!release) std::this_thread::yield();
      });
    });
    while (!started) std::this_thread::yield();
    std::vector<std::thread> background;
    for (int i = 0; i < 40; ++i) background.emplace_back([&] { w.run_always([&](store::Tx&) { record("job"); }); });
    while (w.queued() < 40) std::this_thread::yield();
    std::thread request([&] { w.run([&](store::Tx&) { record("request"); }); });
    while (w.queued() < 41) std::this_thread::yield();
    release = true;
    blocker.join();
    request.join();
    for (auto& b : background) b.join();
    REQUIRE(order_of_execution.size() == 41);
    CHECK(order_of_execution.front() == "request");
  }

  TEST_CASE("background work gets its turn between batches of requests") {
    TempStore t;
    store::Writer& w = t.store().writer();
    std::atomic<bool> release{false}, started{false};
    std::mutex mu;
    std::vector<std::string> order_of_execution;
    auto record = [&](std::string what) {
      std::lock_guard lock(mu);
      order_of_execution.push_back(std::move(what));
    };
    std::thread blocker([&] {
      w.run([&](store::Tx&) {
        started = true;
        while (!release) std::this_thread::yield();
      });
    });
    while (!started) std::this_thread::yield();
    // More requests than one batch takes, and one background write.
    std::vector<std::thread> callers;
    for (int i = 0; i < 300; ++i) callers.emplace_back([&] { w.run([&](store::Tx&) { record("request"); }); });
    while (w.queued() < 300) std::this_thread::yield();
    callers.emplace_back([&] { w.run_always([&](store::Tx&) { record("job"); }); });
    while (w.queued() < 301) std::this_thread::yield();
    release = true;
    blocker.join();
    for (auto& c : callers) c.join();
    REQUIRE(order_of_execution.size() == 301);
    const auto job = std::find(order_of_execution.begin(), order_of_execution.end(), "job");
    // The job ran before the last requests: it did not wait for the queue of requests to drain.
    CHECK(job - order_of_execution.begin() < 300);
  }

  TEST_CASE("stop() finishes queued work, then refuses new work") {
    TempStore t;
    t.write([](store::Tx& tx) { add_product(tx, "BEFORE-STOP"); });
    t.store().writer().stop();
    CHECK_THROWS_AS(t.store().writer().run([](store::Tx&) {}), store::WriterStopped);
    CHECK(count_products(t) == 3);
  }
}

}  // namespace shopd
