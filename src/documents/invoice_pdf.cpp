// The invoice PDF, drawn with libharu in the standard Helvetica fonts. Those
// fonts only know Windows-1252, hence utf8_to_cp1252 on every string drawn.
// Nothing here reads the clock: metadata dates come from the invoice itself,
// so the same invoice renders to the same bytes.
#include "documents/invoice_pdf.h"

#include <hpdf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

#include "core/money.h"

namespace shopd {

namespace {

// A4 portrait in points, and the layout grid.
constexpr float kLeft = 56;
constexpr float kRight = 539;
constexpr float kTop = 785;
constexpr float kBottom = 90;      // rows stop here; the footer sits below
constexpr float kQtyRight = 340;   // right edges of the number columns
constexpr float kUnitRight = 440;
constexpr float kRowHeight = 26;

// Unicode code points of Windows-1252's 0x80..0x9F (0 = unassigned).
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Decodes the UTF-8 sequence at `s[i]` and advances `i` past it. Malformed
// input (overlong, surrogate, truncated) gives 0xFFFFFFFF and moves one byte.
char32_t next_code_point(std::string_view s, size_t& i) {
  constexpr char32_t kBad = 0xFFFFFFFF;
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return kBad;
  }
  if (i + length > s.size()) {
    ++i;
    return kBad;
  }
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kBad;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kBad;
  }
  i += length;
  return cp;
}

char cp1252_of(char32_t cp) {
  if (cp == '\t') return ' ';
  if (cp < 0x20 || cp == 0x7F) return '?';
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) return static_cast<char>(cp);
  for (size_t k = 0; k < kCp1252High.size(); ++k)
    if (kCp1252High[k] == cp) return static_cast<char>(0x80 + k);
  return '?';
}

// libharu reports errors through a callback; the first one is kept and turned
// into an exception once control is back in C++ (throwing through C frames
// would be undefined).
struct HaruStatus {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_haru_error(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
  auto* status = static_cast<HaruStatus*>(user);
  if (status->error == HPDF_OK) *status = {error, detail};
}

void throw_if_failed(const HaruStatus& status) {
  if (status.error == HPDF_OK) return;
  char buf[96];
  std::snprintf(buf, sizeof buf, "libharu error 0x%04X (detail %u)", static_cast<unsigned>(status.error),
                static_cast<unsigned>(status.detail));
  throw std::runtime_error(buf);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// "19", "7.7", "2.25"
std::string format_rate(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", percent);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Draws on the pages of one document. Every string it is given is UTF-8.
class Canvas {
 public:
  Canvas(HPDF_Doc pdf, HaruStatus& status)
      : pdf_(pdf),
        status_(status),
        regular_(HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding")),
        bold_(HPDF_GetFont(pdf, "Helvetica-Bold", "WinAnsiEncoding")) {
    throw_if_failed(status_);
  }

  HPDF_Font regular() const { return regular_; }
  HPDF_Font bold() const { return bold_; }
  const std::vector<HPDF_Page>& pages() const { return pages_; }

  void new_page() {
    HPDF_Page page = HPDF_AddPage(pdf_);
    throw_if_failed(status_);
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages_.push_back(page);
  }

  float width(HPDF_Font font, float size, const std::string& cp1252) const {
    const HPDF_TextWidth w =
        HPDF_Font_TextWidth(font, reinterpret_cast<const HPDF_BYTE*>(cp1252.data()), cp1252.size());
    return static_cast<float>(w.width) * size / 1000.0f;
  }

  // Cut to `max_width` with "..." when it does not fit.
  std::string fitted(HPDF_Font font, float size, const std::string& utf8, float max_width) const {
    std::string text = utf8_to_cp1252(utf8);
    if (width(font, size, text) <= max_width) return text;
    while (!text.empty() && width(font, size, text + "...") > max_width) text.pop_back();
    return text + "...";
  }

  void text(float x, float y, HPDF_Font font, float size, const std::string& utf8, float gray = 0) {
    put(pages_.back(), x, y, font, size, utf8_to_cp1252(utf8), gray);
  }

  void text_right(float right, float y, HPDF_Font font, float size, const std::string& utf8, float gray = 0) {
    const std::string s = utf8_to_cp1252(utf8);
    put(pages_.back(), right - width(font, size, s), y, font, size, s, gray);
  }

  void text_fitted(float x, float y, HPDF_Font font, float size, const std::string& utf8, float max_width) {
    put(pages_.back(), x, y, font, size, fitted(font, size, utf8, max_width), 0);
  }

  void rule(float y, float line_width = 0.5f) {
    HPDF_Page page = pages_.back();
    HPDF_Page_SetLineWidth(page, line_width);
    HPDF_Page_SetGrayStroke(page, 0.3f);
    HPDF_Page_MoveTo(page, kLeft, y);
    HPDF_Page_LineTo(page, kRight, y);
    HPDF_Page_Stroke(page);
  }

  // Draws an already-converted string on any page (footers go on at the end).
  void put(HPDF_Page page, float x, float y, HPDF_Font font, float size, const std::string& cp1252, float gray) {
    HPDF_Page_SetGrayFill(page, gray);
    HPDF_Page_BeginText(page);
    HPDF_Page_SetFontAndSize(page, font, size);
    HPDF_Page_TextOut(page, x, y, cp1252.c_str());
    HPDF_Page_EndText(page);
  }

 private:
  HPDF_Doc pdf_;
  HaruStatus& status_;
  HPDF_Font regular_;
  HPDF_Font bold_;
  std::vector<HPDF_Page> pages_;
};

float draw_letterhead(Canvas& c, const InvoiceDocument& doc) {
  c.new_page();
  float y = kTop;
  c.text_fitted(kLeft, y, c.bold(), 16, doc.shop_name, 260);
  c.text_right(kRight, y, c.bold(), 16, "Invoice " + doc.number);
  y -= 16;
  float left_y = y;
  for (const auto& line : split_lines(doc.shop_address)) {
    c.text_fitted(kLeft, left_y, c.regular(), 9, line, 260);
    left_y -= 12;
  }
  if (!doc.shop_vat_id.empty()) {
    c.text_fitted(kLeft, left_y, c.regular(), 9, "VAT ID: " + doc.shop_vat_id, 260);
    left_y -= 12;
  }
  c.text_right(kRight, y, c.regular(), 10, "Date: " + doc.issued_date);
  c.text_right(kRight, y - 14, c.regular(), 9, "Order: " + doc.order_id, 0.25f);
  y = std::min(left_y, y - 14) - 36;

  c.text(kLeft, y, c.bold(), 10, "Bill to");
  y -= 15;
  c.text_fitted(kLeft, y, c.regular(), 10, doc.customer_name, 300);
  for (const auto& line : doc.bill_to) {
    if (line.empty()) continue;
    y -= 13;
    c.text_fitted(kLeft, y, c.regular(), 10, line, 300);
  }
  return y - 40;
}

float draw_table_header(Canvas& c, float y) {
  c.text(kLeft, y, c.bold(), 10, "Description");
  c.text_right(kQtyRight, y, c.bold(), 10, "Qty");
  c.text_right(kUnitRight, y, c.bold(), 10, "Unit price");
  c.text_right(kRight, y, c.bold(), 10, "Amount");
  c.rule(y - 6);
  return y - 22;
}

float draw_line(Canvas& c, const InvoiceLine& line, const std::string& currency, float y) {
  c.text_fitted(kLeft, y, c.regular(), 10, line.description, kQtyRight - 50 - kLeft);
  if (!line.sku.empty()) c.text_fitted(kLeft, y - 11, c.regular(), 8, line.sku, kQtyRight - 50 - kLeft);
  c.text_right(kQtyRight, y, c.regular(), 10, std::to_string(line.qty));
  c.text_right(kUnitRight, y, c.regular(), 10, format_money(line.unit_cents, currency));
  c.text_right(kRight, y, c.regular(), 10, format_money(line.total_cents, currency));
  return y - kRowHeight;
}

float draw_totals(Canvas& c, const InvoiceDocument& doc, float y) {
  c.rule(y + 10, 0.8f);
  y -= 6;
  c.text(kUnitRight - 100, y, c.bold(), 11, "Total");
  c.text_right(kRight, y, c.bold(), 11, format_money(doc.total_cents, doc.currency));
  if (doc.tax_rate_percent > 0) {
    y -= 15;
    c.text_right(kRight, y, c.regular(), 9,
                 "includes " + format_rate(doc.tax_rate_percent) + "% VAT: " + format_money(doc.tax_cents, doc.currency),
                 0.25f);
  }
  return y;
}

void draw_footers(Canvas& c, const InvoiceDocument& doc) {
  const auto& pages = c.pages();
  const std::string thanks = utf8_to_cp1252("Thank you for your order. " + doc.shop_name);
  for (size_t i = 0; i < pages.size(); ++i) {
    c.put(pages[i], kLeft, 50, c.regular(), 8, thanks, 0.4f);
    const std::string page_no =
        doc.number + "  page " + std::to_string(i + 1) + " of " + std::to_string(pages.size());
    c.put(pages[i], kRight - c.width(c.regular(), 8, page_no), 50, c.regular(), 8, page_no, 0.4f);
  }
}

void set_metadata(HPDF_Doc pdf, const InvoiceDocument& doc) {
  HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "shopd");
  HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, utf8_to_cp1252("Invoice " + doc.number).c_str());
  HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, utf8_to_cp1252(doc.shop_name).c_str());
  int year = 0, month = 0, day = 0;
  if (std::sscanf(doc.issued_date.c_str(), "%4d-%2d-%2d", &year, &month, &day) == 3 && month >= 1 && month <= 12 &&
      day >= 1 && day <= 31) {
    HPDF_Date date{year, month, day, 0, 0, 0, 'Z', 0, 0};
    HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, date);
  }
}

std::string saved_bytes(HPDF_Doc pdf, HaruStatus& status) {
  HPDF_SaveToStream(pdf);
  throw_if_failed(status);
  std::string out(HPDF_GetStreamSize(pdf), '\0');
  HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
  HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
  // Reading to the very end reports "EOF", which is success here.
  if (status.error == HPDF_STREAM_EOF) status = {};
  throw_if_failed(status);
  out.resize(size);
  return out;
}

}  // namespace

std::string utf8_to_cp1252(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) out += cp1252_of(next_code_point(utf8, i));
  return out;
}

int64_t included_tax_cents(int64_t total_cents, double rate_percent) {
  if (!(rate_percent > 0)) return 0;
  // In basis points, so the arithmetic is exact integers: 19 % -> 1900.
  const auto bp = static_cast<__int128>(std::llround(rate_percent * 100));
  const __int128 total = total_cents < 0 ? -static_cast<__int128>(total_cents) : total_cents;
  const __int128 denominator = 10000 + bp;
  const __int128 tax = (2 * total * bp + denominator) / (2 * denominator);  // half up
  return static_cast<int64_t>(total_cents < 0 ? -tax : tax);
}

std::string render_invoice_pdf(const InvoiceDocument& doc) {
  HaruStatus status;
  const std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, void (*)(HPDF_Doc)> pdf(HPDF_New(&on_haru_error, &status),
                                                                                HPDF_Free);
  if (!pdf) throw std::runtime_error("HPDF_New failed");
  HPDF_SetCompressionMode(pdf.get(), HPDF_COMP_ALL);
  set_metadata(pdf.get(), doc);
  throw_if_failed(status);

  Canvas canvas(pdf.get(), status);
  float y = draw_table_header(canvas, draw_letterhead(canvas, doc));
  for (const auto& line : doc.lines) {
    if (y < kBottom) {
      canvas.new_page();
      canvas.text(kLeft, kTop, canvas.bold(), 11, "Invoice " + doc.number + " (continued)");
      y = draw_table_header(canvas, kTop - 30);
    }
    y = draw_line(canvas, line, doc.currency, y);
  }
  if (y < kBottom + 30) {
    canvas.new_page();
    canvas.text(kLeft, kTop, canvas.bold(), 11, "Invoice " + doc.number + " (continued)");
    y = kTop - 40;
  }
  draw_totals(canvas, doc, y);
  draw_footers(canvas, doc);
  throw_if_failed(status);
  return saved_bytes(pdf.get(), status);
}

}  // namespace shopd
