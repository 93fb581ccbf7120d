// The invoice PDF, drawn with libharu.
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
#include "documents/invoice_pdf.h"

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

std::string document_title(const InvoiceDocument& doc) { return doc.credit_note ? "Credit note" : "Invoice"; }

// Seller, invoice facts and buyer; returns where the item table starts.
float draw_letterhead(Canvas& c, const InvoiceDocument& doc) {
  c.new_page();
  float y = kTop;
  c.text_fitted(kLeft, y, Weight::Bold, 16, doc.seller_name, 260);
  c.text_right(kRight, y, Weight::Bold, 16, document_title(doc) + " " + doc.number);
  y -= 16;
  float left_y = y;
  for (const auto& line : split_lines(doc.seller_address)) {
    c.text_fitted(kLeft, left_y, Weight::Regular, 9, line, 260);
    left_y -= 12;
  }
  if (!doc.seller_tax_id.empty()) {
    c.text_fitted(kLeft, left_y, Weight::Regular, 9, "VAT ID: " + doc.seller_tax_id, 260);
    left_y -= 12;
  }
  float right_y = y;
  c.text_right(kRight, right_y, Weight::Regular, 10, document_title(doc) + " date: " + doc.issued_date);
  if (doc.credit_note)
    c.text_right(kRight, right_y -= 14, Weight::Bold, 10,
                 "Corrects invoice " + doc.corrects_number + " of " + doc.corrects_date);
  if (!doc.order_date.empty()) c.text_right(kRight, right_y -= 14, Weight::Regular, 10, "Order date: " + doc.order_date);
  c.text_right(kRight, right_y -= 14, Weight::Regular, 9, "Order " + doc.order_id, 0.25f);
  y = std::min(left_y, right_y) - 36;

  c.text(kLeft, y, Weight::Bold, 10, "Bill to");
  y -= 15;
  c.text_fitted(kLeft, y, Weight::Regular, 10, doc.buyer_name, 300);
  for (const auto& line : doc.buyer_address) {
    if (line.empty()) continue;
    y -= 13;
    c.text_fitted(kLeft, y, Weight::Regular, 10, line, 300);
  }
  return y - 40;
}

float draw_table_header(Canvas& c, float y) {
  c.text(kLeft, y, Weight::Bold, 10, "Description");
  c.text_right(kQtyRight, y, Weight::Bold, 10, "Qty");
  c.text_right(kUnitRight, y, Weight::Bold, 10, "Unit price");
  c.text_right(kRight, y, Weight::Bold, 10, "Amount");
  c.rule(y - 6);
  return y - 22;
}

float draw_line(Canvas& c, const InvoiceLine& line, const std::string& currency, float y) {
  c.text_fitted(kLeft, y, Weight::Regular, 10, line.description, kQtyRight - 50 - kLeft);
  if (!line.sku.empty()) c.text_fitted(kLeft, y - 11, Weight::Regular, 8, line.sku, kQtyRight - 50 - kLeft);
  c.text_right(kQtyRight, y, Weight::Regular, 10, std::to_string(line.qty));
  c.text_right(kUnitRight, y, Weight::Regular, 10, format_money(line.unit_cents, currency));
  c.text_right(kRight, y, Weight::Regular, 10, format_money(line.total_cents, currency));
  return y - kRowHeight;
}

// The totals, with one line per VAT rate (the shop has one): the taxable
// amount, the rate and the tax, as EU invoices must show them.
float draw_totals(Canvas& c, const InvoiceDocument& doc, float y) {
  c.rule(y + 10, 0.8f, kLabelX);
  y -= 6;
  if (doc.tax_rate_percent > 0) {
    const std::string net = format_money(doc.total_cents - doc.tax_cents, doc.currency);
    c.text(kLabelX, y, Weight::Regular, 10, "Net amount");
    c.text_right(kRight, y, Weight::Regular, 10, net);
    y -= 15;
    c.text(kLabelX, y, Weight::Regular, 10, "VAT " + format_rate(doc.tax_rate_percent) + " % of " + net);
    c.text_right(kRight, y, Weight::Regular, 10, format_money(doc.tax_cents, doc.currency));
    y -= 17;
  }
  c.text(kLabelX, y, Weight::Bold, 11, "Total");
  c.text_right(kRight, y, Weight::Bold, 11, format_money(doc.total_cents, doc.currency));
  if (doc.tax_rate_percent > 0) {
    y -= 15;
    c.text_right(kRight, y, Weight::Regular, 8, "Prices include VAT.", 0.25f);
  }
  return y;
}

void draw_footers(Canvas& c, const InvoiceDocument& doc) {
  const auto& pages = c.pages();
  const std::string thanks =
      (doc.credit_note ? "This credit note corrects invoice " + doc.corrects_number + ". " : "Thank you for your order. ") +
      doc.seller_name;
  for (size_t i = 0; i < pages.size(); ++i) {
    c.put(pages[i], kLeft, 50, Weight::Regular, 8, thanks, 0.4f);
    const std::string page_no =
        doc.number + "  page " + std::to_string(i + 1) + " of " + std::to_string(pages.size());
    c.put(pages[i], kRight - c.width(8, page_no), 50, Weight::Regular, 8, page_no, 0.4f);
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

void set_metadata(HPDF_Doc pdf, const InvoiceDocument& doc) {
  HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "shopd");
  HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, info_text(document_title(doc) + " " + doc.number).c_str());
  HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, info_text(doc.seller_name).c_str());
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

std::string render(PreparedPdf& prepared, const InvoiceDocument& doc) {
  HPDF_Doc pdf = prepared.begin();
  HPDF_SetCompressionMode(pdf, HPDF_COMP_NONE);
  set_metadata(pdf, doc);
  throw_if_failed(prepared.status());

  Canvas canvas(prepared, pdf);
  float y = draw_table_header(canvas, draw_letterhead(canvas, doc));
  for (const auto& line : doc.lines) {
    if (y < kBottom) {
      canvas.new_page();
      canvas.text(kLeft, kTop, Weight::Bold, 11, "Invoice " + doc.number + " (continued)");
      y = draw_table_header(canvas, kTop - 30);
    }
    y = draw_line(canvas, line, doc.currency, y);
  }
  if (y < kBottom + 60) {
    canvas.new_page();
    canvas.text(kLeft, kTop, Weight::Bold, 11, "Invoice " + doc.number + " (continued)");
    y = kTop - 40;
  }
  draw_totals(canvas, doc, y);
  draw_footers(canvas, doc);
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
  PdfPool& pool = pdf_pool();
  std::unique_ptr<PreparedPdf> prepared = pool.take();
  std::string bytes = render(*prepared, doc);  // on a throw, the half-used document is freed, not pooled
  pool.give_back(std::move(prepared));
  return bytes;
}

}  // namespace shopd
