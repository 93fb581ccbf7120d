// The Prometheus text format, as scrapers parse it.
#include <doctest/doctest.h>

#include "obs/metrics.h"

namespace shopd {

TEST_SUITE("metrics") {
  TEST_CASE("counters render HELP, TYPE and one sample per label set") {
    CounterFamily c("shopd_x_total", "Things.", {"route", "code"});
    c.inc({"/orders", "202"});
    c.inc({"/orders", "202"});
    c.inc({"/orders", "400"});
    std::string out;
    c.render(out);
    CHECK(out.find("# TYPE shopd_x_total counter\n") != std::string::npos);
    CHECK(out.find("shopd_x_total{route=\"/orders\",code=\"202\"} 2\n") != std::string::npos);
    CHECK(out.find("shopd_x_total{route=\"/orders\",code=\"400\"} 1\n") != std::string::npos);
  }

  TEST_CASE("histogram buckets are cumulative and end with +Inf, sum and count") {
    HistogramFamily h("shopd_d_seconds", "Durations.", {"route"}, {0.001, 0.01});
    h.observe({"/a"}, 0.0005);
    h.observe({"/a"}, 0.005);
    h.observe({"/a"}, 5);
    std::string out;
    h.render(out);
    CHECK(out.find("shopd_d_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n") != std::string::npos);
    CHECK(out.find("shopd_d_seconds_bucket{route=\"/a\",le=\"0.01\"} 2\n") != std::string::npos);
    CHECK(out.find("shopd_d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n") != std::string::npos);
    CHECK(out.find("shopd_d_seconds_count{route=\"/a\"} 3\n") != std::string::npos);
  }

  TEST_CASE("label values are escaped") {
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  }
}

}  // namespace shopd
