#include "texts/catalog.h"

#include <algorithm>
#include <set>

#include "config/config.h"
#include "texts/document_texts.h"
#include "texts/mails.h"

namespace shopd::texts {

namespace {

// An invoice and a credit note, so that every section of the built-in texts is entered.
std::vector<nlohmann::json> sample_document_data(const std::string& locale) {
  std::vector<nlohmann::json> out;
  for (DocumentKind kind : {DocumentKind::Invoice, DocumentKind::CreditNote}) {
    TaxDocument doc = sample_document();
    doc.locale = locale;
    doc.kind = kind;
    out.push_back(document_data(doc));
  }
  return out;
}

std::string where(const TemplateSet& set, const std::string& name) {
  const auto& source = set.sources().at(name);
  return source.origin == "built-in" ? name + " (built-in)" : source.origin;
}

// The keys the built-in document texts have: an owner's key outside them is a typo.
std::set<std::string> known_document_keys(const std::string& locale) {
  std::set<std::string> keys;
  const TemplateSet builtin;
  for (const auto& data : sample_document_data(locale))
    for (const auto& [key, values] :
         parse_document_texts(builtin.render("document." + locale + ".txt", data)).texts.values)
      keys.insert(key);
  return keys;
}

void check_document(const TemplateSet& set, const std::string& locale, const nlohmann::json& data,
                    std::vector<std::string>& problems) {
  const std::string name = "document." + locale + ".txt";
  const auto parsed = parse_document_texts(set.render(name, data));
  for (int line : parsed.bad_lines)
    problems.push_back(where(set, name) + ": rendered line " + std::to_string(line) + " is not \"key = text\"");
  const auto known = known_document_keys(locale);
  for (const auto& [key, values] : parsed.texts.values)
    if (!known.count(key)) problems.push_back(where(set, name) + ": \"" + key + "\" is not a text shopd prints");
}

}  // namespace

const std::vector<TemplateKind>& template_kinds() {
  static const std::vector<TemplateKind> kinds = {
      {"confirmation", {"txt", "html"}, "email: the order is paid, the invoice attached",
       [](const std::string& locale) {
         Order o = sample_order();
         o.locale = locale;
         return std::vector<nlohmann::json>{confirmation_data(o, sample_config(), "INV-000042")};
       }},
      {"payment_failed", {"txt", "html"}, "email: the payment did not go through",
       [](const std::string& locale) {
         Order o = sample_order();
         o.locale = locale;
         return std::vector<nlohmann::json>{payment_failed_data(o, sample_config(), "Your card was declined."),
                                            payment_failed_data(o, sample_config(), std::nullopt)};
       }},
      {"cancelled", {"txt", "html"}, "email: an owner cancelled the order",
       [](const std::string& locale) {
         Order o = sample_order();
         o.locale = locale;
         std::vector<nlohmann::json> out;
         for (auto money : {CancelledMoney::RefundFollows, CancelledMoney::PaymentUnderWay,
                            CancelledMoney::NothingCharged})
           out.push_back(cancelled_data(o, sample_config(), money));
         return out;
       }},
      {"refunded", {"txt", "html"}, "email: money went back; the credit note attached",
       [](const std::string& locale) {
         Order o = sample_order();
         o.locale = locale;
         return std::vector<nlohmann::json>{
             refunded_data(o, sample_config(), 1200, "CN-000007", "INV-000042", {{1, "Coffee mug", "MUG-01"}}),
             refunded_data(o, sample_config(), 500, "CN-000008", "INV-000042", {})};
       }},
      {"shipped", {"txt", "html"}, "email: the parcel left, with the tracking link",
       [](const std::string& locale) {
         Order o = sample_order();
         o.locale = locale;
         return std::vector<nlohmann::json>{
             shipped_data(o, sample_config(), "DHL", "JJD000390007", "https://dhl.example/t/JJD000390007"),
             shipped_data(o, sample_config(), "DHL", "JJD000390007", "")};
       }},
      {"document", {"txt"}, "the words on invoices and credit notes (\"key = text\" lines)", sample_document_data},
  };
  return kinds;
}

std::vector<std::string> check_templates(const TemplateSet& set) {
  std::vector<std::string> problems;
  for (const auto& kind : template_kinds()) {
    for (const char* locale : kLocales) {
      for (const nlohmann::json& data : kind.samples(locale)) {
        const size_t before = problems.size();
        for (std::string_view part : kind.parts) {
          const std::string name = std::string(kind.name) + "." + locale + "." + std::string(part);
          for (auto& problem : set.check(name, data))
            if (std::find(problems.begin(), problems.end(), problem) == problems.end()) problems.push_back(problem);
        }
        if (problems.size() != before) continue;
        try {
          if (kind.name == "document") check_document(set, locale, data, problems);
          else render_mail(set, std::string(kind.name), locale, data);
        } catch (const TemplateError& e) {
          problems.push_back(e.what());
        }
      }
    }
  }
  return problems;
}

}  // namespace shopd::texts
