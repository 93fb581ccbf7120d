// Tax documents (invoices, credit notes) rendered as PDF with libharu.
//
// Text is drawn in DejaVu Sans (Debian's fonts-dejavu-core), subset at build
// time to Latin, Greek and Cyrillic and compiled into the binary
// (invoice_font.py), so the binary alone is enough to deploy. The PDF embeds
// the glyphs it uses, so "Zoë", "Пётр" and "Αθήνα" print as written on any
// reader.
//
// Layout: a document of a shop without [tax] (regime single_rate, one rate)
// prints as shopd's invoices always did: the lines, then "Net amount", "VAT r %
// of net" and the total. Any other document also prints each line's rate and a
// table per rate (net, VAT, gross), then its notes. Every document ends with
// the payment line, the notes, and the seller's legal lines at the foot of
// each page.
//
// Pure: the same document and texts always render to the same bytes, so
// re-running invoice.generate rewrites an identical invoice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "documents/tax_document.h"

namespace shopd {

// Thread-safe: any number of threads may render at once. Cheap after the
// first call, which prepares the fonts (a few milliseconds); prepared libharu
// documents are kept for reuse, a few at most.
// Throws std::runtime_error if libharu fails (a bug, or no memory: not an
// expected failure).
std::string render_document_pdf(const TaxDocument& doc, const DocumentTexts& texts);

// A stretch of text in one of the single-byte encodings the invoice font is
// drawn with ("CP1252", "CP1251", ...): what one PDF text operator shows.
struct EncodedRun {
  std::string_view encoding;
  std::string bytes;
  bool operator==(const EncodedRun&) const = default;
};

// UTF-8 to the runs that draw it. Each character goes to the encoding of the
// run before it when that one has it, else to the first encoding that has
// it, so text switches fonts only where it must. Characters the font cannot
// draw (CJK, emoji), control characters and invalid UTF-8 become '?'; a tab
// becomes a space.
std::vector<EncodedRun> encode_for_pdf(std::string_view utf8);

}  // namespace shopd
