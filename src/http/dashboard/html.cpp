#include "http/dashboard/html.h"

#include "core/html_escape.h"

namespace shopd::html {

Html& Html::raw(Markup markup) {
  out_ += markup.view();
  return *this;
}

Html& Html::text(std::string_view data) {
  out_ += html_escape(data);
  return *this;
}

Html& Html::num(int64_t n) {
  out_ += std::to_string(n);
  return *this;
}

Html& Html::open(Markup tag, std::initializer_list<Attr> attrs) {
  out_ += '<';
  out_ += tag.view();
  for (const auto& a : attrs) {
    out_ += ' ';
    out_ += a.name.view();
    out_ += "=\"";
    out_ += html_escape(a.value);
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

Html& Html::close(Markup tag) {
  out_ += "</";
  out_ += tag.view();
  out_ += '>';
  return *this;
}

Html& Html::el(Markup tag, std::string_view data, std::initializer_list<Attr> attrs) {
  return open(tag, attrs).text(data).close(tag);
}

Html& Html::hidden(Markup name, std::string_view value) {
  return open("input", {{"type", "hidden"}, {"name", name.view()}, {"value", value}});
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string with_query(std::string_view path, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(path);
  char sep = '?';
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += sep;
    out += url_encode(key);
    out += '=';
    out += url_encode(value);
    sep = '&';
  }
  return out;
}

}  // namespace shopd::html
