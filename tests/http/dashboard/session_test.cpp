// Dashboard sessions (src/http/dashboard/session.cpp): ids, their hashes, the
// CSRF token, expiry and the cookie's flags.
#include <doctest/doctest.h>

#include <set>

#include "http/dashboard/session.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using namespace shopd::dashboard;
using shopd::testing::at;
using shopd::testing::t0;

namespace {

store::AdminSession session_at(TimePoint created, TimePoint last_seen) {
  return store::AdminSession{"hash", format_iso(created), format_iso(last_seen)};
}

constexpr double kMinute = 60, kHour = 3600;

}  // namespace

TEST_SUITE("dashboard session") {
  TEST_CASE("session ids are 64 hex characters and never repeat") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
      const auto id = new_session_id();
      CHECK(is_session_id(id));
      seen.insert(id);
    }
    CHECK(seen.size() == 100);
    CHECK_FALSE(is_session_id("abc"));
    CHECK_FALSE(is_session_id(std::string(64, 'G')));
  }

  TEST_CASE("the stored hash and the CSRF token differ from the id and from each other") {
    const auto id = new_session_id();
    CHECK(session_id_hash(id) != id);
    CHECK(csrf_token_for(id) != id);
    CHECK(csrf_token_for(id) != session_id_hash(id));
    CHECK(csrf_token_for(id) == csrf_token_for(id));
    CHECK(csrf_token_for(id) != csrf_token_for(new_session_id()));
  }

  TEST_CASE("a session is valid while used, touched at most once a minute") {
    CHECK(judge_session(session_at(t0(), t0()), at(30)) == SessionVerdict::Valid);
    CHECK(judge_session(session_at(t0(), t0()), at(kMinute)) == SessionVerdict::ValidTouch);
    CHECK(judge_session(session_at(t0(), at(5 * kHour)), at(5 * kHour + 10)) == SessionVerdict::Valid);
  }

  TEST_CASE("a session ends after an idle hour") {
    CHECK(judge_session(session_at(t0(), t0()), at(kHour - 1)) == SessionVerdict::ValidTouch);
    CHECK(judge_session(session_at(t0(), t0()), at(kHour)) == SessionVerdict::Expired);
  }

  TEST_CASE("a session ends 12 hours after sign-in however busy it is") {
    CHECK(judge_session(session_at(t0(), at(12 * kHour - 5)), at(12 * kHour - 1)) == SessionVerdict::Valid);
    CHECK(judge_session(session_at(t0(), at(12 * kHour - 5)), at(12 * kHour)) == SessionVerdict::Expired);
  }

  TEST_CASE("a row with unreadable times counts as expired") {
    CHECK(judge_session(store::AdminSession{"h", "yesterday", "today"}, t0()) == SessionVerdict::Expired);
  }

  TEST_CASE("ten wrong tokens in a minute pause sign-in until the minute is over") {
    SignInThrottle throttle;
    for (int i = 0; i < kMaxFailedSignIns; ++i) {
      CHECK(throttle.allows(at(i)));
      throttle.record_failure(at(i));
    }
    CHECK_FALSE(throttle.allows(at(30)));
    CHECK_FALSE(throttle.allows(at(59.9)));
    CHECK(throttle.allows(at(60)));
    throttle.record_failure(at(61));
    CHECK(throttle.allows(at(62)));
  }

  TEST_CASE("the cookie is HttpOnly and SameSite=Strict, Secure only for an https shop") {
    const auto plain = session_cookie("abc", false);
    CHECK(plain == "shopd_session=abc; Path=/admin; HttpOnly; SameSite=Strict");
    CHECK(session_cookie("abc", true) == "shopd_session=abc; Path=/admin; HttpOnly; SameSite=Strict; Secure");
    CHECK(cleared_session_cookie(true) == "shopd_session=; Path=/admin; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
    CHECK(wants_secure_cookie("https://shop.example"));
    CHECK_FALSE(wants_secure_cookie("http://127.0.0.1:8080"));
  }
}

TEST_SUITE("session_store") {
  TEST_CASE("a session is found by its hash until it is deleted") {
    shopd::testing::TempStore t;
    t.write([](store::Tx& tx) { store::create_session(tx, "h1", t0()); });
    const auto found = t.read([](store::Connection& db) { return store::find_session(db, "h1"); });
    REQUIRE(found);
    CHECK(found->created_at == format_iso(t0()));
    CHECK(found->last_seen_at == format_iso(t0()));
    t.write([](store::Tx& tx) { store::touch_session(tx, "h1", at(90)); });
    CHECK(t.read([](store::Connection& db) { return store::find_session(db, "h1"); })->last_seen_at ==
          format_iso(at(90)));
    t.write([](store::Tx& tx) { store::delete_session(tx, "h1"); });
    CHECK_FALSE(t.read([](store::Connection& db) { return store::find_session(db, "h1"); }));
  }

  TEST_CASE("expired sessions are deleted, idle or too old; live ones stay") {
    shopd::testing::TempStore t;
    t.write([](store::Tx& tx) {
      store::create_session(tx, "idle", t0());
      store::create_session(tx, "old", t0());
      store::touch_session(tx, "old", at(12 * kHour - 60));
      store::create_session(tx, "live", at(12 * kHour));
    });
    const TimePoint now = at(12 * kHour + 1);
    const int deleted = t.write([&](store::Tx& tx) {
      return store::delete_expired_sessions(tx, now - kIdleLimit, now - kAbsoluteLimit);
    });
    CHECK(deleted == 2);
    CHECK(t.read([](store::Connection& db) { return store::find_session(db, "live"); }));
  }
}
