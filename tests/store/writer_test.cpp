// The single writer: group commit with per-caller savepoints.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
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
  store::upsert_product(tx, store::Product{sku, "Thing", 100, 1}, t0());
}

// Holds the writer thread inside one task (a request or background write),
// so that whatever the test queues next waits behind it until release().
class BlockedWriter {
 public:
  BlockedWriter(store::Writer& w, bool as_request) : writer_(w) {
    thread_ = std::thread([this, as_request] {
      auto hold = [this](store::Tx&) {
        started_ = true;
        while (!released_) std::this_thread::yield();
      };
      as_request ? writer_.run(hold) : writer_.run_always(hold);
    });
    while (!started_) std::this_thread::yield();
  }
  ~BlockedWriter() { release(); }

  // Starts a caller thread and returns once its write is queued.
  void queue(std::function<void()> call) {
    const size_t before = writer_.queued();
    callers_.emplace_back(std::move(call));
    while (writer_.queued() <= before) std::this_thread::yield();
  }

  // Lets the writer go and waits for every queued caller.
  void release() {
    released_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& c : callers_) c.join();
    callers_.clear();
  }

 private:
  store::Writer& writer_;
  std::atomic<bool> started_{false}, released_{false};
  std::thread thread_;
  std::vector<std::thread> callers_;
};

// The order in which queued writes ran.
class ExecutionLog {
 public:
  void record(std::string what) {
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(what));
  }
  std::vector<std::string> entries() {
    std::lock_guard lock(mu_);
    return entries_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> entries_;
};

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

  TEST_CASE("after_commit hooks run once the write is committed, and never for a rolled-back one") {
    TempStore t;
    int seen_products = -1;
    bool undone_ran = false;
    t.write([&](store::Tx& tx) {
      add_product(tx, "HOOKED");
      tx.after_commit([&] { seen_products = count_products(t); });
    });
    CHECK(seen_products == 3);
    t.write([&](store::Tx& tx) {
      tx.after_commit([&] { undone_ran = true; });
      tx.rollback();
    });
    CHECK_THROWS(t.write([&](store::Tx& tx) {
      tx.after_commit([&] { undone_ran = true; });
      throw std::runtime_error("boom");
    }));
    CHECK_FALSE(undone_ran);
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
    {
      BlockedWriter blocked(w, /*as_request=*/true);
      for (int i = 0; i < 4; ++i) blocked.queue([&] { w.run([](store::Tx&) {}); });
      CHECK_THROWS_AS(w.run([](store::Tx&) {}), store::WriterOverloaded);
      blocked.queue([&] { w.run_always([](store::Tx& tx) { add_product(tx, "ALWAYS"); }); });
    }
    const auto found = small.read([](store::Connection& db) { return store::find_product(db, "ALWAYS"); });
    CHECK(found.has_value());
  }

  TEST_CASE("a waiting request is written before queued background work") {
    TempStore t;
    store::Writer& w = t.store().writer();
    ExecutionLog log;
    {
      BlockedWriter blocked(w, /*as_request=*/false);
      for (int i = 0; i < 40; ++i) blocked.queue([&] { w.run_always([&](store::Tx&) { log.record("job"); }); });
      blocked.queue([&] { w.run([&](store::Tx&) { log.record("request"); }); });
    }
    const auto ran = log.entries();
    REQUIRE(ran.size() == 41);
    CHECK(ran.front() == "request");
  }

  TEST_CASE("background work gets its turn between batches of requests") {
    TempStore t;
    store::Writer& w = t.store().writer();
    ExecutionLog log;
    {
      BlockedWriter blocked(w, /*as_request=*/true);
      // More requests than one batch takes, and one background write.
      for (int i = 0; i < 300; ++i) blocked.queue([&] { w.run([&](store::Tx&) { log.record("request"); }); });
      blocked.queue([&] { w.run_always([&](store::Tx&) { log.record("job"); }); });
    }
    const auto ran = log.entries();
    REQUIRE(ran.size() == 301);
    const auto job = std::find(ran.begin(), ran.end(), "job");
    // The job ran before the last requests: it did not wait for the queue of requests to drain.
    CHECK(job - ran.begin() < 300);
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
