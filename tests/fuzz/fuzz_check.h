// What the fuzz targets share: a property check that stops the run with the
// property and the offending value, so libFuzzer saves the input as a
// reproducer (build/fuzz/<target>-crash-*).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace shopd::fuzz {

[[noreturn]] inline void property_failed(const char* property, const char* file, int line, std::string_view detail) {
  std::fprintf(stderr, "\nPROPERTY FAILED at %s:%d: %s\n", file, line, property);
  if (!detail.empty()) std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
inline bool is_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (i + n >= text.size()) return false;  // the sequence runs past the end
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace shopd::fuzz

// FUZZ_REQUIRE(condition, detail): detail is anything convertible to std::string_view.
#define FUZZ_REQUIRE(cond, detail)                                                          \
  do {                                                                                      \
    if (!(cond)) ::shopd::fuzz::property_failed(#cond, __FILE__, __LINE__, (detail));        \
  } while (0)
