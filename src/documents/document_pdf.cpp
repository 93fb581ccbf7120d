// Tax documents (invoices, credit notes) as PDF, drawn with libharu.
//
// Fonts: libharu's UTF-8 path (Type0 fonts) builds a 65,536-entry glyph map
// and width table for every font of every document, about 5 ms of CPU per
// invoice. Simple TrueType fonts cost a fraction of that, but each holds one
// single-byte encoding, so text is split into runs by encoding
// (encode_runs) and every run is shown with the font of its encoding. All
// those fonts share one embedded font file, of which libharu writes only the
// glyphs the document uses.
//
// Cost, measured with bench/invoice_render.cpp (figures in bench/README.md):
// - One face, DejaVu Sans; bold is the same glyphs filled and outlined
//   (Weight::Bold). A second embedded face (DejaVu Sans Bold) made every
//   invoice about 60 % bigger and 50 % slower to render.
// - No compression: libharu's deflate doubles or triples the render time
//   (and allocates and frees a zlib state per stream, which glibc returns to
//   the kernel and faults back in every time) to save about 40 % of the bytes.
// - Reuse: loading the font into libharu costs more than drawing an invoice,
//   so a few prepared libharu documents, font loaded, are kept in a pool and
//   reused (HPDF_FreeDoc keeps loaded fonts and clears which glyphs were
//   used, so every invoice embeds exactly its own glyphs and renders
//   identically whatever was rendered before).
//
// Nothing here reads the clock: metadata dates come from the invoice itself.
#include "documents/document_pdf.h"

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_fontdef.h>
#include <hpdf_streams.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/money.h"

namespace shopd {

namespace {

#include "invoice_font.inc"

constexpr size_t kEncodingCount = std::size(kEncodings);

// A4 portrait in points, and the layout grid.
constexpr float kLeft = 56;
constexpr float kRight = 539;
constexpr float kTop = 785;
constexpr float kBottom = 90;      // rows stop here; the footer sits below
constexpr float kQtyRight = 340;   // right edges of the number columns
constexpr float kUnitRight = 440;
constexpr float kRowHeight = 26;
constexpr float kLabelX = 330;     // where the labels of the totals start

// Prepared documents kept for reuse; more renders at once than this create
// and free their own. Each holds the parsed fonts, a few tens of KiB.
constexpr size_t kMaxIdlePdfs = 8;

// ---- UTF-8 to the font's encodings ----

constexpr char32_t kBadUtf8 = 0xFFFFFFFF;

// Decodes the UTF-8 sequence at `s[i]` and advances `i` past it. Malformed
// input (overlong, surrogate, truncated) gives kBadUtf8 and moves one byte.
char32_t next_code_point(std::string_view s, size_t& i) {
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
    return kBadUtf8;
  }
  if (i + length > s.size()) {
    ++i;
    return kBadUtf8;
  }
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kBadUtf8;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kBadUtf8;
  }
  i += length;
  return cp;
}

// For every code point the font can draw, its byte in each encoding (0: not
// in that encoding). Read from libharu's own encoders, so a byte always
// means what libharu will write in the font's /Encoding.
class EncodingTable {
 public:
  struct Entry {
    char32_t code_point;
    std::array<unsigned char, kEncodingCount> byte_in;
  };

 private:
  template <class Entries>  // const or not; defined first, for its deduced type
  static auto* lookup(Entries& entries, char32_t cp) {
    auto it = std::lower_bound(entries.begin(), entries.end(), cp,
                               [](const Entry& e, char32_t c) { return e.code_point < c; });
    return it != entries.end() && it->code_point == cp ? &*it : nullptr;
  }

 public:
  EncodingTable() {
    const std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, void (*)(HPDF_Doc)> pdf(HPDF_New(nullptr, nullptr),
                                                                                  HPDF_Free);
    if (!pdf) throw std::runtime_error("HPDF_New failed");
    for (char32_t cp : kCodePoints) entries_.push_back(Entry{cp, {}});
    for (size_t k = 0; k < kEncodingCount; ++k) {
      HPDF_Encoder encoder = HPDF_GetEncoder(pdf.get(), kEncodings[k]);
      if (!encoder) throw std::runtime_error(std::string("libharu has no encoding ") + kEncodings[k]);
      for (unsigned byte = 0x20; byte <= 0xFF; ++byte) {
        if (Entry* e = lookup(entries_, HPDF_Encoder_GetUnicode(encoder, static_cast<HPDF_UINT16>(byte))))
          if (e->byte_in[k] == 0) e->byte_in[k] = static_cast<unsigned char>(byte);
      }
    }
    // A code point the font has but no encoding holds cannot be drawn.
    std::erase_if(entries_, [](const Entry& e) {
      return std::all_of(e.byte_in.begin(), e.byte_in.end(), [](unsigned char b) { return b == 0; });
    });
  }

  const Entry* find(char32_t cp) const { return lookup(entries_, cp); }

 private:

  std::vector<Entry> entries_;
};

const EncodingTable& encoding_table() {
  static const EncodingTable table;
  return table;
}

struct Run {
  size_t encoding = 0;  // index into kEncodings
  std::string bytes;
};

std::vector<Run> encode_runs(std::string_view utf8) {
  const EncodingTable& table = encoding_table();
  const EncodingTable::Entry* question_mark = table.find('?');
  std::vector<Run> runs;
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp = next_code_point(utf8, i);
    if (cp == '\t') cp = ' ';
    const EncodingTable::Entry* entry = table.find(cp);
    if (!entry) entry = question_mark;
    size_t encoding = runs.empty() ? 0 : runs.back().encoding;
    if (entry->byte_in[encoding] == 0) {
      encoding = 0;
      while (entry->byte_in[encoding] == 0) ++encoding;
    }
    if (runs.empty() || runs.back().encoding != encoding) runs.push_back(Run{encoding, {}});
    runs.back().bytes += static_cast<char>(entry->byte_in[encoding]);
  }
  return runs;
}

// ---- libharu: errors, fonts, prepared documents ----

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

// What HPDF_LoadTTFontFromFile does (hpdf_doc.c, LoadTTFontFromStream), from
// the compiled-in bytes through a memory stream instead of a file: libharu
// reads the font again at every save, a seek and a read per glyph, and from
// a file those are system calls (a third of the render time when measured).
// The memory stream is one chunk the size of the font, so a seek is O(1).
const char* load_font(HPDF_Doc pdf, const unsigned char* data, size_t size, const char* tag) {
  HPDF_Stream stream = HPDF_MemStream_New(pdf->mmgr, static_cast<HPDF_UINT>(size));
  if (!stream) return nullptr;
  if (HPDF_Stream_Write(stream, data, static_cast<HPDF_UINT>(size)) != HPDF_OK) {
    HPDF_Stream_Free(stream);
    return nullptr;
  }
  HPDF_FontDef font = HPDF_TTFontDef_Load(pdf->mmgr, stream, HPDF_TRUE);  // owns the stream, even on failure
  if (!font || HPDF_Doc_RegisterFontDef(pdf, font) != HPDF_OK) return nullptr;  // frees the font on failure
  // Embedded fonts are named "<tag>+<font>": a subset, as PDF readers expect.
  HPDF_TTFontDef_SetTagName(font, const_cast<char*>(tag));
  return font->base_font;
}

// Bold text is the regular glyphs, filled and outlined with a stroke this
// thick (in units of the font size).
enum class Weight { Regular, Bold };
constexpr float kBoldStroke = 0.04f;

// A libharu document object with both fonts loaded, ready for one invoice.
class PreparedPdf {
 public:
  PreparedPdf() : pdf_(HPDF_New(&on_haru_error, status_.get())) {
    if (!pdf_) throw std::runtime_error("HPDF_New failed");
    font_name_ = load_font(pdf_, kFont, sizeof kFont, "HPDFAA");
    throw_if_failed(*status_);
    if (!font_name_) throw std::runtime_error("libharu could not load the invoice font");
  }
  ~PreparedPdf() { HPDF_Free(pdf_); }
  PreparedPdf(const PreparedPdf&) = delete;
  PreparedPdf& operator=(const PreparedPdf&) = delete;

  // Starts the next document; the previous one must have been finished.
  HPDF_Doc begin() {
    *status_ = {};
    if (!has_document_) HPDF_NewDoc(pdf_);  // HPDF_New came with one
    has_document_ = true;
    throw_if_failed(*status_);
    return pdf_;
  }
  void finish() {
    HPDF_FreeDoc(pdf_);
    has_document_ = false;
  }

  HaruStatus& status() { return *status_; }
  const char* font_name() const { return font_name_; }

 private:
  std::unique_ptr<HaruStatus> status_ = std::make_unique<HaruStatus>();  // libharu keeps its address
  HPDF_Doc pdf_;
  bool has_document_ = true;
  const char* font_name_ = nullptr;
};

class PdfPool {
 public:
  std::unique_ptr<PreparedPdf> take() {
    {
      const std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto pdf = std::move(idle_.back());
        idle_.pop_back();
        return pdf;
      }
    }
    return std::make_unique<PreparedPdf>();
  }

  void give_back(std::unique_ptr<PreparedPdf> pdf) {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdlePdfs) idle_.push_back(std::move(pdf));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<PreparedPdf>> idle_;
};

PdfPool& pdf_pool() {
  static PdfPool pool;
  return pool;
}

// ---- drawing ----

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

void pop_code_point(std::string& utf8) {
  while (!utf8.empty() && (static_cast<unsigned char>(utf8.back()) & 0xC0) == 0x80) utf8.pop_back();
  if (!utf8.empty()) utf8.pop_back();
}

std::string percent(int rate_bp) { return tax::format_rate(rate_bp) + " %"; }

// Draws on the pages of one document. Every string it is given is UTF-8.
class Canvas {
 public:
  Canvas(PreparedPdf& prepared, HPDF_Doc pdf) : prepared_(prepared), pdf_(pdf) {}

  const std::vector<HPDF_Page>& pages() const { return pages_; }

  void new_page() {
    HPDF_Page page = HPDF_AddPage(pdf_);
    throw_if_failed(prepared_.status());
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages_.push_back(page);
  }

  float width(float size, const std::string& utf8) {
    float units = 0;
    for (const Run& run : encode_runs(utf8)) {
      const HPDF_TextWidth w = HPDF_Font_TextWidth(font(run.encoding),
                                                   reinterpret_cast<const HPDF_BYTE*>(run.bytes.data()),
                                                   static_cast<HPDF_UINT>(run.bytes.size()));
      units += static_cast<float>(w.width);
    }
    return units * size / 1000.0f;
  }

  // Cut to `max_width` with an ellipsis when it does not fit.
  std::string fitted(float size, const std::string& utf8, float max_width) {
    if (width(size, utf8) <= max_width) return utf8;
    const std::string ellipsis = "\xE2\x80\xA6";
    std::string text = utf8;
    do pop_code_point(text);
    while (!text.empty() && width(size, text + ellipsis) > max_width);
    return text + ellipsis;
  }

  // Broken at spaces into lines no wider than `max_width` (a word longer
  // than a line is cut with an ellipsis).
  std::vector<std::string> wrapped(float size, const std::string& utf8, float max_width) {
    std::vector<std::string> lines;
    std::string line;
    size_t start = 0;
    while (start < utf8.size()) {
      size_t end = utf8.find(' ', start);
      if (end == std::string::npos) end = utf8.size();
      const std::string word = utf8.substr(start, end - start);
      start = end + 1;
      if (word.empty()) continue;
      const std::string longer = line.empty() ? word : line + " " + word;
      if (line.empty() || width(size, longer) <= max_width) {
        line = longer;
      } else {
        lines.push_back(fitted(size, line, max_width));
        line = word;
      }
    }
    if (!line.empty()) lines.push_back(fitted(size, line, max_width));
    return lines;
  }

  void text(float x, float y, Weight weight, float size, const std::string& utf8, float gray = 0) {
    put(pages_.back(), x, y, weight, size, utf8, gray);
  }

  void text_right(float right, float y, Weight weight, float size, const std::string& utf8, float gray = 0) {
    put(pages_.back(), right - width(size, utf8), y, weight, size, utf8, gray);
  }

  void text_fitted(float x, float y, Weight weight, float size, const std::string& utf8, float max_width) {
    put(pages_.back(), x, y, weight, size, fitted(size, utf8, max_width), 0);
  }

  void rule(float y, float line_width = 0.5f, float left = kLeft) {
    HPDF_Page page = pages_.back();
    HPDF_Page_SetLineWidth(page, line_width);
    HPDF_Page_SetGrayStroke(page, 0.3f);
    HPDF_Page_MoveTo(page, left, y);
    HPDF_Page_LineTo(page, kRight, y);
    HPDF_Page_Stroke(page);
  }

  // Draws on any page (footers go on at the end), one text operator per run.
  void put(HPDF_Page page, float x, float y, Weight weight, float size, const std::string& utf8, float gray) {
    const std::vector<Run> runs = encode_runs(utf8);
    if (runs.empty()) return;
    HPDF_Page_SetGrayFill(page, gray);
    if (weight == Weight::Bold) {
      HPDF_Page_SetGrayStroke(page, gray);
      HPDF_Page_SetLineWidth(page, size * kBoldStroke);
    }
    HPDF_Page_BeginText(page);
    HPDF_Page_SetTextRenderingMode(page, weight == Weight::Bold ? HPDF_FILL_THEN_STROKE : HPDF_FILL);
    HPDF_Page_MoveTextPos(page, x, y);
    for (const Run& run : runs) {
      HPDF_Page_SetFontAndSize(page, font(run.encoding), size);
      HPDF_Page_ShowText(page, run.bytes.c_str());
    }
    HPDF_Page_EndText(page);
  }

 private:
  // One libharu font per encoding, made when the document first needs it.
  HPDF_Font font(size_t encoding) {
    HPDF_Font& f = fonts_[encoding];
    if (!f) {
      f = HPDF_GetFont(pdf_, prepared_.font_name(), kEncodings[encoding]);
      throw_if_failed(prepared_.status());
    }
    return f;
  }

  PreparedPdf& prepared_;
  HPDF_Doc pdf_;
  std::vector<HPDF_Page> pages_;
  std::array<HPDF_Font, kEncodingCount> fonts_{};
};

// Where the columns of the item table end. A document that prints each
// line's rate narrows the others to make room for it.
struct Columns {
  float description_right;
  float qty_right;
  float unit_right;
  float rate_right;  // 0: no rate column
};

constexpr Columns kPlainColumns{kQtyRight - 50, kQtyRight, kUnitRight, 0};
constexpr Columns kRateColumns{265, 300, 390, 445};

// What one document needs while it is drawn.
struct Sheet {
  const TaxDocument& doc;
  const DocumentTexts& texts;
  tax::Totals totals;
  Columns columns;
  float bottom;  // rows stop here; the legal lines and the footer sit below

  std::string title() const {
    return texts.get(doc.kind == DocumentKind::Invoice ? "invoice" : "credit_note") + " " + doc.number;
  }
  std::string money(int64_t cents) const { return format_money(cents, doc.currency); }
};

// Seller, document facts and buyer; returns where the item table starts.
float draw_letterhead(Canvas& c, const Sheet& s) {
  const TaxDocument& doc = s.doc;
  c.new_page();
  float y = kTop;
  c.text_fitted(kLeft, y, Weight::Bold, 16, doc.seller_name, 260);
  c.text_right(kRight, y, Weight::Bold, 16, s.title());
  y -= 16;
  float left_y = y;
  for (const auto& line : split_lines(doc.seller_address)) {
    c.text_fitted(kLeft, left_y, Weight::Regular, 9, line, 260);
    left_y -= 12;
  }
  if (!doc.seller_tax_id.empty()) {
    c.text_fitted(kLeft, left_y, Weight::Regular, 9, s.texts.get("vat_id") + " " + doc.seller_tax_id, 260);
    left_y -= 12;
  }
  float right_y = y;
  const char* date_label = doc.kind == DocumentKind::Invoice ? "invoice_date" : "credit_note_date";
  const auto date = [&](const std::string& iso) { return display_date(iso, doc.locale); };
  c.text_right(kRight, right_y, Weight::Regular, 10, s.texts.get(date_label) + " " + date(doc.issued_date));
  if (!doc.order_date.empty())
    c.text_right(kRight, right_y -= 14, Weight::Regular, 10, s.texts.get("order_date") + " " + date(doc.order_date));
  c.text_right(kRight, right_y -= 14, Weight::Regular, 9, s.texts.get("order") + " " + doc.order_id, 0.25f);
  for (const auto& reference : s.texts.all("reference"))
    c.text_right(kRight, right_y -= 14, Weight::Bold, 10, c.fitted(10, reference, 260));
  y = std::min(left_y, right_y) - 36;

  c.text(kLeft, y, Weight::Bold, 10, s.texts.get("bill_to"));
  y -= 15;
  c.text_fitted(kLeft, y, Weight::Regular, 10, doc.buyer_name, 300);
  for (const auto& line : doc.buyer_address) {
    if (line.empty()) continue;
    y -= 13;
    c.text_fitted(kLeft, y, Weight::Regular, 10, line, 300);
  }
  if (!doc.buyer_vat_id.empty()) {
    y -= 13;
    c.text_fitted(kLeft, y, Weight::Regular, 10, s.texts.get("customer_vat_id") + " " + doc.buyer_vat_id, 300);
  }
  return y - 40;
}

float draw_table_header(Canvas& c, const Sheet& s, float y) {
  const Columns& col = s.columns;
  c.text(kLeft, y, Weight::Bold, 10, s.texts.get("description"));
  c.text_right(col.qty_right, y, Weight::Bold, 10, s.texts.get("qty"));
  c.text_right(col.unit_right, y, Weight::Bold, 10, s.texts.get("unit_price"));
  if (col.rate_right > 0) c.text_right(col.rate_right, y, Weight::Bold, 10, s.texts.get("vat_rate"));
  c.text_right(kRight, y, Weight::Bold, 10, s.texts.get("amount"));
  c.rule(y - 6);
  return y - 22;
}

float draw_line(Canvas& c, const Sheet& s, const DocumentLine& line, float y) {
  const Columns& col = s.columns;
  const float text_width = col.description_right - kLeft;
  c.text_fitted(kLeft, y, Weight::Regular, 10, line.shipping ? s.texts.get("shipping") : line.description,
                text_width);
  if (!line.sku.empty()) c.text_fitted(kLeft, y - 11, Weight::Regular, 8, line.sku, text_width);
  c.text_right(col.qty_right, y, Weight::Regular, 10, std::to_string(line.amounts.qty));
  c.text_right(col.unit_right, y, Weight::Regular, 10, s.money(line.amounts.unit_cents));
  if (col.rate_right > 0) c.text_right(col.rate_right, y, Weight::Regular, 10, percent(line.amounts.rate_bp));
  c.text_right(kRight, y, Weight::Regular, 10, s.money(line.amounts.amount_cents()));
  return y - kRowHeight;
}

bool prints_vat(const Sheet& s) {
  return s.doc.regime != tax::TaxRegime::SingleRate ||
         std::any_of(s.totals.by_rate.begin(), s.totals.by_rate.end(), [](const auto& r) { return r.rate_bp > 0; });
}

// One rate, as shopd's invoices always showed it: the net amount, the rate
// and its VAT, the total.
float draw_one_rate(Canvas& c, const Sheet& s, float y) {
  if (prints_vat(s) && !s.totals.by_rate.empty()) {
    const std::string net = s.money(s.totals.net_cents);
    c.text(kLabelX, y, Weight::Regular, 10, s.texts.get("net_amount"));
    c.text_right(kRight, y, Weight::Regular, 10, net);
    y -= 15;
    const auto& vat_of = s.texts.all("vat_of");
    const std::string label = vat_of.empty() ? "VAT " + percent(s.totals.by_rate[0].rate_bp) : vat_of[0];
    c.text(kLabelX, y, Weight::Regular, 10, c.fitted(10, label, kRight - kLabelX - 70));
    c.text_right(kRight, y, Weight::Regular, 10, s.money(s.totals.vat_cents));
    y -= 17;
  }
  return y;
}

// Several rates (or any document of a shop with [tax]): a table per rate.
constexpr float kRateNetRight = 400;
constexpr float kRateVatRight = 470;

float draw_rate_table(Canvas& c, const Sheet& s, float y) {
  constexpr float kRateX = kLabelX - 60;
  c.text(kRateX, y, Weight::Bold, 9, s.texts.get("rate"));
  c.text_right(kRateNetRight, y, Weight::Bold, 9, s.texts.get("net"));
  c.text_right(kRateVatRight, y, Weight::Bold, 9, s.texts.get("vat"));
  c.text_right(kRight, y, Weight::Bold, 9, s.texts.get("gross"));
  y -= 14;
  for (const auto& r : s.totals.by_rate) {
    c.text(kRateX, y, Weight::Regular, 10, percent(r.rate_bp));
    c.text_right(kRateNetRight, y, Weight::Regular, 10, s.money(r.net_cents));
    c.text_right(kRateVatRight, y, Weight::Regular, 10, s.money(r.vat_cents));
    c.text_right(kRight, y, Weight::Regular, 10, s.money(r.gross_cents));
    y -= 14;
  }
  y -= 4;
  if (s.totals.by_rate.size() > 1) {
    c.text(kLabelX, y, Weight::Regular, 10, s.texts.get("net_amount"));
    c.text_right(kRight, y, Weight::Regular, 10, s.money(s.totals.net_cents));
    y -= 15;
    c.text(kLabelX, y, Weight::Regular, 10, s.texts.get("vat_total"));
    c.text_right(kRight, y, Weight::Regular, 10, s.money(s.totals.vat_cents));
    y -= 17;
  }
  return y;
}

float totals_height(const Sheet& s) {
  if (s.columns.rate_right > 0) return 14.0f * static_cast<float>(s.totals.by_rate.size() + 1) + 80;
  return 70;
}

float draw_totals(Canvas& c, const Sheet& s, float y) {
  const bool table = s.columns.rate_right > 0;
  c.rule(y + 10, 0.8f, table ? kLabelX - 60 : kLabelX);
  y -= 6;
  y = table ? draw_rate_table(c, s, y) : draw_one_rate(c, s, y);
  c.text(kLabelX, y, Weight::Bold, 11, s.texts.get("total"));
  c.text_right(kRight, y, Weight::Bold, 11, s.money(s.totals.gross_cents));
  if (s.doc.amounts_include_vat && prints_vat(s)) {
    y -= 15;
    c.text_right(kRight, y, Weight::Regular, 8, s.texts.get("prices_include_vat"), 0.25f);
  }
  return y;
}

// The payment line and the notes (reverse charge, OSS, export, the owner's
// own), wrapped to the page's width, starting a new page when they do not fit.
void draw_notes(Canvas& c, const Sheet& s, float y) {
  std::vector<std::string> paragraphs = s.texts.all("payment");
  for (const auto& note : s.texts.all("note")) paragraphs.push_back(note);
  y -= 24;
  for (const auto& paragraph : paragraphs) {
    for (const auto& line : c.wrapped(9, paragraph, kRight - kLeft)) {
      if (y < s.bottom) {
        c.new_page();
        c.text(kLeft, kTop, Weight::Bold, 11, s.title() + " " + s.texts.get("continued"));
        y = kTop - 40;
      }
      c.text(kLeft, y, Weight::Regular, 9, line, 0.15f);
      y -= 12;
    }
    y -= 4;
  }
}

void draw_footers(Canvas& c, const Sheet& s) {
  const auto& pages = c.pages();
  const std::string thanks = s.texts.get("thanks");
  for (size_t i = 0; i < pages.size(); ++i) {
    float y = 50 + 10.0f * static_cast<float>(s.doc.legal_lines.size());
    for (const auto& line : s.doc.legal_lines)
      c.put(pages[i], kLeft, y -= 10, Weight::Regular, 7, c.fitted(7, line, kRight - kLeft), 0.4f);
    const float footer_y = s.doc.legal_lines.empty() ? 50 : 40;
    c.put(pages[i], kLeft, footer_y, Weight::Regular, 8, c.fitted(8, thanks, 300), 0.4f);
    const std::string page_no = s.doc.number + "  " + s.texts.get("page") + " " + std::to_string(i + 1) + " " +
                                s.texts.get("of") + " " + std::to_string(pages.size());
    c.put(pages[i], kRight - c.width(8, page_no), footer_y, Weight::Regular, 8, page_no, 0.4f);
  }
}

// The info dictionary takes PDFDocEncoding; Latin-1 is its common part.
std::string info_text(std::string_view utf8) {
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t cp = next_code_point(utf8, i);
    out += (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF) ? static_cast<char>(cp) : '?';
  }
  return out;
}

void set_metadata(HPDF_Doc pdf, const Sheet& s) {
  HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "shopd");
  HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, info_text(s.title()).c_str());
  HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, info_text(s.doc.seller_name).c_str());
  int year = 0, month = 0, day = 0;
  if (std::sscanf(s.doc.issued_date.c_str(), "%4d-%2d-%2d", &year, &month, &day) == 3 && month >= 1 &&
      month <= 12 && day >= 1 && day <= 31) {
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

std::string render(PreparedPdf& prepared, const TaxDocument& doc, const DocumentTexts& texts) {
  HPDF_Doc pdf = prepared.begin();
  HPDF_SetCompressionMode(pdf, HPDF_COMP_NONE);
  const Sheet s{doc, texts, doc.totals(), doc.itemized_vat() ? kRateColumns : kPlainColumns,
                kBottom + 10.0f * static_cast<float>(doc.legal_lines.size())};
  set_metadata(pdf, s);
  throw_if_failed(prepared.status());

  Canvas canvas(prepared, pdf);
  const std::string continued = s.title() + " " + texts.get("continued");
  float y = draw_table_header(canvas, s, draw_letterhead(canvas, s));
  for (const auto& line : doc.lines) {
    if (y < s.bottom) {
      canvas.new_page();
      canvas.text(kLeft, kTop, Weight::Bold, 11, continued);
      y = draw_table_header(canvas, s, kTop - 30);
    }
    y = draw_line(canvas, s, line, y);
  }
  if (y < s.bottom + totals_height(s) - 10) {
    canvas.new_page();
    canvas.text(kLeft, kTop, Weight::Bold, 11, continued);
    y = kTop - 40;
  }
  draw_notes(canvas, s, draw_totals(canvas, s, y));
  draw_footers(canvas, s);
  throw_if_failed(prepared.status());
  std::string bytes = saved_bytes(pdf, prepared.status());
  prepared.finish();
  return bytes;
}

}  // namespace

std::vector<EncodedRun> encode_for_pdf(std::string_view utf8) {
  std::vector<EncodedRun> out;
  for (Run& run : encode_runs(utf8)) out.push_back(EncodedRun{kEncodings[run.encoding], std::move(run.bytes)});
  return out;
}

std::string render_document_pdf(const TaxDocument& doc, const DocumentTexts& texts) {
  PdfPool& pool = pdf_pool();
  std::unique_ptr<PreparedPdf> prepared = pool.take();
  std::string bytes = render(*prepared, doc, texts);  // on a throw, the half-used document is freed, not pooled
  pool.give_back(std::move(prepared));
  return bytes;
}

}  // namespace shopd
