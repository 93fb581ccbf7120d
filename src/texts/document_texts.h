// The words on a tax document, from the `document.<locale>.txt` template.
//
// The template renders to "key = text" lines (blank lines and lines starting
// with '#' are skipped): the labels ("total = Total"), and, with the
// document's data, the sentences ("note = ...", "payment = Paid by card on
// ..."). Keys may repeat: every `note` prints as a paragraph, `vat_of` comes
// once per VAT rate. A key an owner's file leaves out keeps the built-in
// template's text for that language.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "documents/tax_document.h"
#include "texts/template_set.h"

namespace shopd::texts {

// What the template is rendered with (docs/templates.md lists every value).
nlohmann::json document_data(const TaxDocument& doc);

// Renders `document.<doc.locale>.txt` of `set` (and the built-in one for the
// keys it lacks). Throws TemplateError for a template that does not render.
DocumentTexts document_texts(const TemplateSet& set, const TaxDocument& doc);

// "key = text" lines to texts; a line without " = " is an error (its 1-based number).
struct ParsedTexts {
  DocumentTexts texts;
  std::vector<int> bad_lines;
};
ParsedTexts parse_document_texts(const std::string& rendered);

// An invoice with every field set, to render templates with in `shopd check`.
TaxDocument sample_document();

}  // namespace shopd::texts
