// A small HTML builder in which escaping is the default.
//
// Data (a customer's name, an error message, a search term) goes in through
// text(), num() or an attribute value and is always escaped (core/html_escape.h,
// the same escape the emails use). Markup goes in through raw(), which takes
// only a Markup, and Markup can only be made from a string literal (its
// constructor is consteval): a string read at runtime cannot become markup by
// accident.
//
//   Html h;
//   h.raw("<td>").text(order.customer.name).raw("</td>");
//   h.open("a", {{"href", url("/admin/ui/orders/" + id)}}).text("open").close("a");
//
// Not thread-safe; one per page being rendered.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopd::html {

// Trusted markup: a string literal written in shopd's source.
class Markup {
 public:
  consteval Markup(const char* literal) : text_(literal) {}  // NOLINT: implicit by design
  std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

struct Attr {
  Markup name;
  std::string_view value;  // escaped when written
};

class Html {
 public:
  Html& raw(Markup markup);
  Html& text(std::string_view data);
  Html& num(int64_t n);
  // <tag a="v" ...>
  Html& open(Markup tag, std::initializer_list<Attr> attrs = {});
  Html& close(Markup tag);
  // <tag a="v" ...>text</tag>
  Html& el(Markup tag, std::string_view data, std::initializer_list<Attr> attrs = {});
  // <input type="hidden" name=".." value="..">
  Html& hidden(Markup name, std::string_view value);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Percent-encodes everything but unreserved characters (RFC 3986), for query values.
std::string url_encode(std::string_view value);
// path + "?k=v&..." for the pairs whose value is not empty.
std::string with_query(std::string_view path, const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace shopd::html
