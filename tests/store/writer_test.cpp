// The single writer: group commit with per-caller savepoints.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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

// An owner's sqlite3 session in a write transaction: holds SQLite's write
// lock on the file until it goes out of scope.
class LockHolder {
 public:
  explicit LockHolder(const std::filesystem::path& path) : db_(path.string(), SQLite::OPEN_READWRITE) {
    db_.exec("BEGIN IMMEDIATE");
  }
  ~LockHolder() { db_.exec("ROLLBACK"); }

 private:
  SQLite::Database db_;
};

// A store whose writes give up on the write lock after `lock_wait_ms`.
struct ImpatientStore {
  explicit ImpatientStore(TempStore& dir, int lock_wait_ms)
      : path(dir.store().path().parent_path() / "impatient.db"),
        store([&] {
          store::StoreOptions options{path};
          options.busy_timeout_ms = lock_wait_ms;
          return options;
        }()) {}
  std::filesystem::path path;
  store::Store store;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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
    store::StoreOptions options{dir.store().options().path.parent_path() / "small-queue.db"};
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

  TEST_CASE("a write waits for another connection's lock until its deadline, then fails having run nothing") {
    TempStore dir;
    ImpatientStore t(dir, 300);
    store::Writer& w = t.store.writer();
    bool ran = false;
    const auto start = std::chrono::steady_clock::now();
    {
      LockHolder owner(t.path);
      CHECK_THROWS_AS(w.run([&](store::Tx& tx) {
        ran = true;
        add_product(tx, "LOCKED-OUT");
      }),
                      store::StorageUnavailable);
    }
    const double waited = seconds_since(start);
    CHECK(waited >= 0.29);
    CHECK(waited < 2.0);
    CHECK_FALSE(ran);
    CHECK_FALSE(w.available());
    w.run([](store::Tx& tx) { add_product(tx, "AFTER"); });  // the lock is gone: writes work again
    CHECK(t.store.read([](store::Connection& db) { return store::find_product(db, "LOCKED-OUT"); }) == std::nullopt);
  }

  TEST_CASE("a request behind a background write waiting for the lock fails by its own deadline, not theirs added up") {
    TempStore dir;
    ImpatientStore t(dir, 1000);
    store::Writer& w = t.store.writer();
    double request_waited = 0;
    {
      LockHolder owner(t.path);
      std::thread background([&] { CHECK_THROWS_AS(w.run_always([](store::Tx&) {}), store::StorageUnavailable); });
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the background write waits for the lock meanwhile
      const auto start = std::chrono::steady_clock::now();
      CHECK_THROWS_AS(w.run([](store::Tx&) {}), store::StorageUnavailable);
      request_waited = seconds_since(start);
      background.join();
    }
    // Before deadlines, the request waited for the rest of the background
    // batch's busy timeout and then for its own: 1.5 s here.
    CHECK(request_waited >= 0.99);
    CHECK(request_waited < 1.3);
  }

  TEST_CASE("writes waiting for a lock that goes before their deadline are committed") {
    TempStore dir;
    ImpatientStore t(dir, 5000);
    store::Writer& w = t.store.writer();
    auto owner = std::make_unique<LockHolder>(t.path);
    std::thread writer_thread([&] { w.run([](store::Tx& tx) { add_product(tx, "WAITED"); }); });
    while (w.queued() == 0) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    owner.reset();
    writer_thread.join();
    CHECK(t.store.read([](store::Connection& db) { return store::find_product(db, "WAITED"); }).has_value());
    CHECK(w.available());
  }

  TEST_CASE("a full database fails the whole batch as storage trouble and the writer keeps going") {
    TempStore t;
    store::Writer& w = t.store().writer();
    // The file may not grow: like a full disk for every write that needs a new page.
    w.run_always([](store::Tx& tx) {
      tx.db.exec("PRAGMA max_page_count = 1");  // clamps to the current size
    });
    const std::string big(64 * 1024, 'x');
    CHECK_THROWS_AS(w.run([&](store::Tx& tx) { store::upsert_product(tx, store::Product{"BIG", big, 100, 1}, t0()); }),
                    store::StorageUnavailable);
    CHECK_FALSE(w.available());
    CHECK(w.failed_writes() == 1);
    w.run_always([](store::Tx& tx) { tx.db.exec("PRAGMA max_page_count = 1000000"); });  // space again
    w.run([&](store::Tx& tx) { store::upsert_product(tx, store::Product{"BIG", big, 100, 1}, t0()); });
    CHECK(t.read([](store::Connection& db) { return store::find_product(db, "BIG"); }).has_value());
  }

  TEST_CASE("a database that became read-only is storage trouble, not a crash") {
    TempStore t;
    store::Writer& w = t.store().writer();
    // What a filesystem remounted read-only after an I/O error looks like to
    // SQLite (it cannot be undone through the writer: BEGIN IMMEDIATE fails too).
    w.run_always([](store::Tx& tx) { tx.db.exec("PRAGMA query_only = ON"); });
    CHECK_THROWS_AS(w.run([](store::Tx& tx) { add_product(tx, "READ-ONLY"); }), store::StorageUnavailable);
    CHECK_THROWS_AS(w.run([](store::Tx& tx) { add_product(tx, "READ-ONLY"); }), store::StorageUnavailable);
    CHECK_FALSE(w.available());
    CHECK(w.failed_writes() == 2);
    CHECK(count_products(t) == 2);
  }

  TEST_CASE("a mistake in one write is that caller's error, not storage trouble") {
    TempStore t;
    store::Writer& w = t.store().writer();
    CHECK_THROWS_AS(w.run([](store::Tx& tx) { tx.db.exec("INSERT INTO no_such_table VALUES (1)"); }), SQLite::Exception);
    CHECK(w.available());
    CHECK(w.failed_writes() == 0);
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
