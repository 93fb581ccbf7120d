// The one HTML escape (src/core/html_escape.cpp), used by the dashboard and the emails.
#include <doctest/doctest.h>

#include "core/html_escape.h"

using namespace shopd;

TEST_SUITE("html_escape") {
  TEST_CASE("every character that could open markup or leave a quoted attribute becomes a reference") {
    CHECK(html_escape(R"(<script>alert("x") & 'y'</script>)") ==
          "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  }

  TEST_CASE("other text, UTF-8 included, passes through unchanged") {
    CHECK(html_escape("Zoë Müller, 12,50 €") == "Zoë Müller, 12,50 €");
    CHECK(html_escape("") == "");
  }

  TEST_CASE("an escaped ampersand is escaped again, so a reference in data stays text") {
    CHECK(html_escape("&amp;") == "&amp;amp;");
  }
}
