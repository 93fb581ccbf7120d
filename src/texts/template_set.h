// The texts a customer reads (emails, the words on invoices and credit
// notes), as Mustache templates (kainjow's mustache.hpp, Debian's
// libkainjow-mustache-dev): logic-less, no code runs, and in an HTML part
// every value is HTML-escaped.
//
// Built-in templates are the files of the repository's templates/ folder,
// compiled into the binary, so the binary alone runs a shop. An owner's
// [templates] dir holds files of the same names that replace them, one by
// one (docs/templates.md). A template is named "<kind>.<locale>.<part>":
// "confirmation.de.html". What kinds there are, and the data each is
// rendered with, is texts/catalog.h.
//
// Thread-safe: rendering is const; each render parses its template anew
// (a few microseconds), because kainjow's parsed templates are not safe to
// render from two threads at once.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shopd::texts {

// A template that does not parse, or a file in [templates] dir that is not a
// template: "confirmation.de.txt:3: Unclosed section \"items\"" with the
// file's path when it came from the owner's folder.
struct TemplateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TemplateSource {
  std::string text;
  std::string origin;  // "built-in" or the owner's file's path
};

class TemplateSet {
 public:
  // The built-in templates only.
  TemplateSet();

  // The built-in templates with the files of `dir` in their place (every
  // regular file there, except dotfiles, README* and backups ending in "~",
  // must be named like a built-in template). Throws TemplateError naming the
  // file (and line) of the first problem: an unknown name, an unreadable file,
  // a template that does not parse.
  static TemplateSet load(const std::filesystem::path& dir);

  // Renders `name` with `data` (objects, arrays, strings, booleans; numbers
  // print as JSON writes them; null is false). Values are HTML-escaped in
  // templates whose name ends in ".html" and left as they are in the others
  // (plain text). Throws TemplateError for an unknown name or a render error.
  std::string render(const std::string& name, const nlohmann::json& data) const;

  // Renders `name` with `data` and reports, as "file:line: ..." lines, what
  // is wrong: a parse error, or a variable or section the data has no value
  // for (a misspelt {{nmae}} would otherwise print nothing). Empty when fine.
  std::vector<std::string> check(const std::string& name, const nlohmann::json& data) const;

  const std::map<std::string, TemplateSource>& sources() const { return sources_; }
  bool has(const std::string& name) const { return sources_.count(name) == 1; }

 private:
  std::map<std::string, TemplateSource> sources_;
};

// The built-in templates' names and texts (templates/*, compiled in).
const std::map<std::string, std::string>& builtin_templates();

}  // namespace shopd::texts
