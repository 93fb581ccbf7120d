// Every template shopd renders, and how `shopd check` tries each one.
//
// To add one (a new email, say "shipped"): put shipped.en.txt,
// shipped.en.html and the de and fr twins into templates/ (the Makefile
// compiles the folder in), add a TemplateKind below with a sample of the data
// its job renders it with, and render it with render_mail() from the job.
// A unit test checks that every kind has its files in every locale.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "texts/template_set.h"

namespace shopd::texts {

struct TemplateKind {
  std::string_view name;                // "confirmation"; files are <name>.<locale>.<part>
  std::vector<std::string_view> parts;  // "txt" and "html" for a mail; "txt" for document texts
  std::string_view used_for;            // one line for people (`shopd templates`)
  // Data of typical renders with every value set, enough of them to enter
  // every section of the built-in templates (a misspelt name in a template is
  // then a value the data does not have).
  std::function<std::vector<nlohmann::json>(const std::string& locale)> samples;
};

const std::vector<TemplateKind>& template_kinds();

// Renders every template of `set` once with its kind's sample data and
// returns the problems, one "file:line: what" each: a template that does not
// parse or render, a value the data does not have, a mail without its
// Subject line, a document line that is not "key = text", a document key
// shopd does not print. Empty when all is well.
std::vector<std::string> check_templates(const TemplateSet& set);

}  // namespace shopd::texts
