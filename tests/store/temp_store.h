// A real shopd database in a fresh temp folder, for tests of the store layer
// and of code that writes through it (failure hook, pipeline).
//
//   TempStore t;                         // migrated, with MUG-01 (stock 50) and TEE-01 (stock 10)
//   const auto id = t.order("MUG-01", 2);  // an order as intake stores it (payment.charge pending)
//   t.write([&](store::Tx& tx) { ... });  // one writer transaction
//
// The folder is removed when the TempStore goes out of scope.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <variant>

#include "core/job_kind.h"
#include "core/time.h"
#include "outbox/job_kinds.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "store/store.h"
#include "tests/state_names.h"

namespace shopd::testing {

// A fixed "now" so that run_at and lease times are predictable.
inline TimePoint t0() { return *parse_iso("2030-01-02T03:04:05.000Z"); }

inline TimePoint at(double seconds_after_t0) {
  return t0() + Millis(static_cast<int64_t>(seconds_after_t0 * 1000));
}

// What intake passes to store::create_order: the order's first job,
// payment.charge, with the kind table's priority (outbox/pipeline.h first_jobs).
inline store::CreateOrder intake_options(int payment_max_attempts, TimePoint now, std::string request_id = "req-test") {
  store::NewJob payment{"", kind::kPaymentCharge, payment_max_attempts, now};
  payment.priority = job_priority(kind::kPaymentCharge);
  return store::CreateOrder{"EUR", {payment}, std::move(request_id), now};
}

class TempStore {
 public:
  TempStore() : dir_(make_dir()), store_(store::StoreOptions{dir_.path / "shop.db"}) {
    store_.writer().run_always([](store::Tx& tx) {
      store::seed_products(tx,
                           {ProductSeed{"MUG-01", "Coffee mug", 1200, 50}, ProductSeed{"TEE-01", "T-shirt", 2500, 10}},
                           t0());
    });
  }

  store::Store& store() { return store_; }

  template <class F>
  auto write(F&& fn) {
    return store_.writer().run_always(std::forward<F>(fn));
  }

  template <class F>
  auto read(F&& fn) {
    return store_.read(std::forward<F>(fn));
  }

  // Stores an order the way intake does (order, items, reservation and its
  // payment.charge job, due at `now`) and returns its id.
  std::string order(const std::string& sku = "MUG-01", int qty = 2, TimePoint now = t0(),
                    int payment_max_attempts = 3) {
    NewOrder o;
    o.customer = Customer{"ann@example.com", "Ann Example"};
    o.items = {OrderLine{sku, qty}};
    o.payment_method = "pm_card_visa";
    o.shipping = Address{"Hauptstrasse 5", "", "Berlin", "10115", "DE"};
    const auto created = write([&](store::Tx& tx) {
      return store::create_order(tx, o, intake_options(payment_max_attempts, now));
    });
    if (const auto* c = std::get_if<store::CreatedOrder>(&created)) return c->id;
    throw std::runtime_error("test order was refused at line " +
                             std::to_string(std::get<store::LineRefused>(created).line));
  }

  std::vector<store::Job> jobs(const std::string& order_id) {
    return read([&](store::Connection& db) { return store::jobs_for_order(db, order_id); });
  }

  // The order's only job of `kind` (alerts: the first one); throws when there is none.
  store::Job job(const std::string& order_id, std::string_view kind) {
    for (auto& j : jobs(order_id))
      if (j.kind == kind) return j;
    throw std::runtime_error("order has no " + std::string(kind) + " job");
  }

  std::vector<store::Attempt> attempts(const std::string& job_id) {
    return read([&](store::Connection& db) { return store::attempts_for_job(db, job_id); });
  }

  std::optional<Order> load(const std::string& order_id) {
    return read([&](store::Connection& db) { return store::load_order(db, order_id); });
  }

  int64_t stock(const std::string& sku) {
    return read([&](store::Connection& db) { return store::find_product(db, sku)->stock; });
  }

  // Claims up to `limit` due jobs at `now` for `owner`.
  std::vector<store::Job> claim(TimePoint now, int limit = 10, const std::string& owner = "worker-a",
                                int lease_seconds = 60) {
    return write([&](store::Tx& tx) { return store::claim_due(tx, now, limit, owner, lease_seconds); });
  }

 private:
  struct Dir {
    std::filesystem::path path;
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };

  static Dir make_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shopd-store-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return Dir{tmpl};
  }

  Dir dir_;  // declared first: removed after the store has closed the file
  store::Store store_;
};

}  // namespace shopd::testing
