// The dashboard's pages as drawn from data (src/http/dashboard/*_page.cpp):
// what an owner reads, with every value escaped, and the forms that act.
#include <doctest/doctest.h>

#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

using namespace shopd;
using namespace shopd::dashboard;

namespace {

constexpr const char* kScript = "<script>alert(1)</script>";
constexpr const char* kEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

store::OrderSummary summary_of(const std::string& name) {
  return store::OrderSummary{"01a22098-092d-7001-8a0e-1ec08120f7e1", OrderStatus::NeedsAttention, 2400, "EUR", name,
                             "ann@example.com", "2030-01-02T03:04:05.000Z", "email.confirmation"};
}

OrderDetail detail_with_dead_email(const std::string& name) {
  OrderDetail d;
  d.order.id = "01a22098-092d-7001-8a0e-1ec08120f7e1";
  d.order.status = OrderStatus::NeedsAttention;
  d.order.total_cents = 2400;
  d.order.currency = "EUR";
  d.order.customer = Customer{"ann@example.com", name};
  d.order.shipping = Address{"Hauptstrasse 5", "", "Berlin", "10115", "DE"};
  d.order.created_at = "2030-01-02T03:04:05.000Z";
  d.order.items = {OrderItem{"MUG-01", "Coffee mug", 2, 1200}};
  store::Job email;
  email.id = "01a22098-092d-7001-8a0e-1ec08120f7e2";
  email.kind = "email.confirmation";
  email.state = JobState::Dead;
  email.attempts = 1;
  email.max_attempts = 5;
  email.last_error = "smtp_550: mailbox <b>unavailable</b>";
  store::Attempt a;
  a.attempt = 1;
  a.started_at = "2030-01-02T03:04:06.000Z";
  a.outcome = AttemptOutcome::Permanent;
  a.error_code = "smtp_550";
  a.error_message = "mailbox <b>unavailable</b>";
  a.provider_status = 550;
  a.error_where = "src/providers/mail_smtp.cpp:80 send";
  d.jobs.push_back(JobHistory{email, {a}});
  return d;
}

}  // namespace

TEST_SUITE("dashboard pages") {
  TEST_CASE("a customer named like a script shows as text on the orders list and the overview") {
    OrdersData orders;
    orders.rows = {summary_of(kScript)};
    const std::string list = render_orders(orders).str();
    CHECK(contains(list, kEscaped));
    CHECK_FALSE(contains(list, kScript));

    OverviewData overview;
    overview.attention = {summary_of(kScript)};
    overview.attention_total = 1;
    const std::string page = render_overview(overview).str();
    CHECK(contains(page, kEscaped));
    CHECK_FALSE(contains(page, kScript));
  }

  TEST_CASE("the order page escapes the name and the provider's error, and offers retry and discard with the CSRF token") {
    const std::string page = render_order_detail(detail_with_dead_email(kScript), Viewer{"tok123", "/admin/ui/orders/x"}).str();
    CHECK(contains(page, kEscaped));
    CHECK_FALSE(contains(page, kScript));
    CHECK(contains(page, "mailbox &lt;b&gt;unavailable&lt;/b&gt;"));
    CHECK(contains(page, "src/providers/mail_smtp.cpp:80 send"));
    CHECK(contains(page, "action=\"/admin/ui/jobs/01a22098-092d-7001-8a0e-1ec08120f7e2/retry\""));
    CHECK(contains(page, "action=\"/admin/ui/jobs/01a22098-092d-7001-8a0e-1ec08120f7e2/discard\""));
    CHECK(contains(page, "name=\"csrf\" value=\"tok123\""));
    CHECK(contains(page, "name=\"back\" value=\"/admin/ui/orders/x\""));
  }

  TEST_CASE("the frame puts the notice and the title in as text") {
    html::Html body;
    const std::string page = render_page(Frame{.title = kScript, .csrf = "t", .notice = "<i>n</i>"}, body);
    CHECK(contains(page, "<h1>" + std::string(kEscaped) + "</h1>"));
    CHECK(contains(page, "&lt;i&gt;n&lt;/i&gt;"));
    CHECK(contains(page, "name=\"viewport\""));
  }

  TEST_CASE("a signed-out frame has no navigation and no sign-out form") {
    html::Html body;
    const std::string page = render_page(Frame{.title = "Sign in"}, body);
    CHECK_FALSE(contains(page, "sign-out"));
    CHECK_FALSE(contains(page, "<nav>"));
  }

  TEST_CASE("prices are read as an owner types them") {
    CHECK(parse_price_cents("12") == 1200);
    CHECK(parse_price_cents("12.5") == 1250);
    CHECK(parse_price_cents("12.05") == 1205);
    CHECK(parse_price_cents("12,50") == 1250);
    CHECK(parse_price_cents("0") == 0);
    for (const char* bad : {"", "-1", "12.", ".5", "12.345", "1e3", "12 EUR", "abc", "999999999999"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_price_cents(bad));
    }
  }

  TEST_CASE("order filters become a search, or a message naming the wrong filter") {
    const auto search = to_search(OrderFilters{"ann", "completed", "2030-01-02", "2030-01-03", ""});
    REQUIRE(std::holds_alternative<store::OrderSearch>(search));
    const auto& s = std::get<store::OrderSearch>(search);
    CHECK(s.text == "ann");
    CHECK(s.status == OrderStatus::Completed);
    CHECK(s.created_from == "2030-01-02T00:00:00.000Z");
    CHECK(s.created_before == "2030-01-04T00:00:00.000Z");  // "to" includes its whole day
    CHECK(s.limit == kOrdersPerPage + 1);
    CHECK(std::holds_alternative<std::string>(to_search(OrderFilters{"", "shipped", "", "", ""})));
    CHECK(std::holds_alternative<std::string>(to_search(OrderFilters{"", "", "2030-02-31", "", ""})));
    CHECK(std::holds_alternative<std::string>(to_search(OrderFilters{"", "", "", "tomorrow", ""})));
    CHECK(std::holds_alternative<std::string>(to_search(OrderFilters{"", "", "", "", "1' OR 1=1"})));
  }

  TEST_CASE("ages read as people say them") {
    CHECK(format_age(5) == "5 s");
    CHECK(format_age(75) == "1 min 15 s");
    CHECK(format_age(7260) == "2 h 1 min");
    CHECK(format_age(90000) == "1 d 1 h");
    CHECK(short_time("2030-01-02T03:04:05.123Z") == "2030-01-02 03:04:05");
  }
}

TEST_SUITE("dashboard badges") {
  TEST_CASE("a badge shows the state's own name in a tone: bad for dead, good for done, muted for nothing to do") {
    const auto drawn = [](auto state) {
      html::Html h;
      badge(h, state);
      return h.str();
    };
    CHECK(drawn(JobState::Dead) == "<span class=\"badge bad\">dead</span>");
    CHECK(drawn(OrderStatus::Completed) == "<span class=\"badge good\">completed</span>");
    CHECK(drawn(StepState::Skipped) == "<span class=\"badge muted\">skipped</span>");
    CHECK(drawn(AttemptOutcome::Unreachable) == "<span class=\"badge warn\">unreachable</span>");
    CHECK(drawn(ChannelState::Sent) == "<span class=\"badge good\">sent</span>");
    CHECK(drawn(ChannelState::Pending) == "<span class=\"badge\">pending</span>");
  }
}
