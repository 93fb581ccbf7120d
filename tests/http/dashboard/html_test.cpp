// The dashboard's HTML builder (src/http/dashboard/html.cpp): data is escaped
// wherever it goes, so a customer's name can never become markup.
#include <doctest/doctest.h>

#include "http/dashboard/html.h"

using namespace shopd::html;

TEST_SUITE("dashboard html") {
  TEST_CASE("text escapes every character that could open markup or leave an attribute") {
    Html h;
    h.text("<script>alert(1)</script> & \"quoted\" 'single'");
    CHECK(h.str() == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39;");
  }

  TEST_CASE("attribute values are escaped, so a value cannot add attributes") {
    Html h;
    h.open("a", {{"href", "/x\" onclick=\"alert(1)"}, {"title", "<b>"}}).text("t").close("a");
    CHECK(h.str() == "<a href=\"/x&quot; onclick=&quot;alert(1)\" title=\"&lt;b&gt;\">t</a>");
  }

  TEST_CASE("el wraps escaped text in a tag and raw passes literals through unchanged") {
    Html h;
    h.raw("<td class=\"x\">").text("1 < 2").raw("</td>").el("span", "a&b", {{"id", "s"}});
    CHECK(h.str() == "<td class=\"x\">1 &lt; 2</td><span id=\"s\">a&amp;b</span>");
  }

  TEST_CASE("hidden inputs escape their value") {
    Html h;
    h.hidden("back", "/admin/ui/orders?q=\"><script>");
    CHECK(h.str() == "<input type=\"hidden\" name=\"back\" value=\"/admin/ui/orders?q=&quot;&gt;&lt;script&gt;\">");
  }

  TEST_CASE("UTF-8 text passes through untouched") {
    Html h;
    h.text("Zoë Пётр Αθήνα");
    CHECK(h.str() == "Zoë Пётр Αθήνα");
  }

  TEST_CASE("query strings percent-encode values and leave out empty ones") {
    CHECK(with_query("/admin/ui/orders", {{"q", "ann smith&co=1"}, {"status", ""}, {"after", "id-1"}}) ==
          "/admin/ui/orders?q=ann%20smith%26co%3D1&after=id-1");
    CHECK(with_query("/p", {{"a", ""}}) == "/p");
    CHECK(url_encode("Zoë/<>") == "Zo%C3%AB%2F%3C%3E");
  }
}
