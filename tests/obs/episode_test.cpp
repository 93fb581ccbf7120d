// A lasting fault is logged when it begins and when it ends.
#include <doctest/doctest.h>

#include "obs/episode.h"

namespace shopd {

namespace {

using namespace std::chrono_literals;

Episode::Clock::time_point at_ms(int ms) { return Episode::Clock::time_point{} + std::chrono::milliseconds(ms); }

}  // namespace

TEST_SUITE("episode") {
  TEST_CASE("only the first of many failures says the episode began") {
    Episode e({log::Level::error, "down", "up again"}, 2s);
    CHECK(e.failed({}, 1, at_ms(0)));
    for (int i = 1; i < 100; ++i) CHECK_FALSE(e.failed({}, 1, at_ms(i)));
    CHECK(e.ongoing());
  }

  TEST_CASE("a success soon after a failure does not end the episode, a later one does") {
    Episode e({log::Level::error, "down", "up again"}, 2s);
    e.failed({}, 1, at_ms(0));
    CHECK_FALSE(e.succeeded(at_ms(500)));   // the fault comes and goes: still one episode
    e.failed({}, 1, at_ms(1000));
    CHECK_FALSE(e.succeeded(at_ms(2999)));  // not settled since the last failure
    CHECK(e.succeeded(at_ms(3000)));
    CHECK_FALSE(e.ongoing());
    CHECK_FALSE(e.succeeded(at_ms(4000)));  // nothing left to end
  }

  TEST_CASE("an episode that worked again ends when it settled, without another success") {
    Episode e({log::Level::error, "down", "up again"}, 2s);
    e.failed({}, 1, at_ms(0));
    CHECK_FALSE(e.settles_at().has_value());  // nothing worked yet
    CHECK_FALSE(e.end_if_settled(at_ms(5000)));
    e.succeeded(at_ms(6000));  // long after the failure: over at once
    CHECK_FALSE(e.ongoing());
    e.failed({}, 1, at_ms(7000));
    e.succeeded(at_ms(7100));
    REQUIRE(e.settles_at().has_value());
    CHECK(*e.settles_at() == at_ms(9000));
    CHECK_FALSE(e.end_if_settled(at_ms(8999)));
    CHECK(e.end_if_settled(at_ms(9000)));
    CHECK_FALSE(e.settles_at().has_value());
  }

  TEST_CASE("a failure while settling starts the wait again") {
    Episode e({log::Level::error, "down", "up again"}, 2s);
    e.failed({}, 1, at_ms(0));
    e.succeeded(at_ms(100));
    e.failed({}, 1, at_ms(1000));
    CHECK_FALSE(e.settles_at().has_value());  // needs a success after the last failure
    CHECK_FALSE(e.end_if_settled(at_ms(5000)));
    CHECK(e.ongoing());
  }

  TEST_CASE("a failure after the end begins a new episode") {
    Episode e({log::Level::error, "down", "up again"}, 0ms);
    CHECK(e.failed({}, 1, at_ms(0)));
    CHECK(e.succeeded(at_ms(1)));
    CHECK(e.failed({}, 1, at_ms(2)));
  }

  TEST_CASE("failures are counted over the whole life, batches by their size") {
    Episode e({log::Level::error, "down", "up again"}, 0ms);
    e.failed({}, 3, at_ms(0));
    e.succeeded(at_ms(1));
    e.failed({}, 1, at_ms(2));
    CHECK(e.failures_total() == 4);
  }

  TEST_CASE("no failure, no episode") {
    Episode e({log::Level::error, "down", "up again"});
    CHECK_FALSE(e.ongoing());
    CHECK_FALSE(e.succeeded());
    CHECK(e.failures_total() == 0);
  }
}

}  // namespace shopd
