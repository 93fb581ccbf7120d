// Mustache templates: built-in, overridden from a folder, escaped in HTML,
// and checked with the file and line of what is wrong.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "config/config.h"
#include "texts/catalog.h"
#include "texts/template_set.h"

using namespace shopd;
using namespace shopd::texts;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("shopd-templates-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

std::string error_of(const std::filesystem::path& dir) {
  try {
    TemplateSet::load(dir);
  } catch (const TemplateError& e) {
    return e.what();
  }
  FAIL("loaded without error");
  return "";
}

}  // namespace

TEST_SUITE("template_set") {
  TEST_CASE("every template kind has its files in every language, and nothing else is built in") {
    size_t expected = 0;
    for (const auto& kind : template_kinds()) {
      for (const char* locale : kLocales) {
        for (auto part : kind.parts) {
          const std::string name = std::string(kind.name) + "." + locale + "." + std::string(part);
          CHECK_MESSAGE(builtin_templates().count(name) == 1, name);
          ++expected;
        }
      }
    }
    CHECK(builtin_templates().size() == expected);
  }

  TEST_CASE("the built-in templates pass their own check") { CHECK(check_templates(TemplateSet()).empty()); }

  TEST_CASE("values are HTML-escaped in an HTML part and left alone in a text part") {
    TempDir dir;
    dir.write("confirmation.en.html", "<p>{{customer_name}}</p>");
    dir.write("confirmation.en.txt", "Subject: {{customer_name}}\n\n{{customer_name}}\n");
    const TemplateSet set = TemplateSet::load(dir.path);
    const nlohmann::json data = {{"customer_name", "<b>Ann & \"Bob\" O'Neil</b>"}};
    CHECK(set.render("confirmation.en.html", data) == "<p>&lt;b&gt;Ann &amp; &quot;Bob&quot; O&#39;Neil&lt;/b&gt;</p>");
    CHECK(set.render("confirmation.en.txt", data) ==
          "Subject: <b>Ann & \"Bob\" O'Neil</b>\n\n<b>Ann & \"Bob\" O'Neil</b>\n");
  }

  TEST_CASE("a file in the folder replaces only the built-in template of its name") {
    TempDir dir;
    dir.write("confirmation.de.txt", "Subject: Danke\n\nDanke, {{customer_name}}!\n");
    const TemplateSet set = TemplateSet::load(dir.path);
    CHECK(set.sources().at("confirmation.de.txt").origin == (dir.path / "confirmation.de.txt").string());
    CHECK(set.sources().at("confirmation.en.txt").origin == "built-in");
    CHECK(set.render("confirmation.de.txt", {{"customer_name", "Ann"}}) == "Subject: Danke\n\nDanke, Ann!\n");
  }

  TEST_CASE("an empty string is false in a section, as {{#vat_id}} means \"when there is one\"") {
    TempDir dir;
    dir.write("confirmation.en.txt", "{{#a}}A={{a}}{{/a}}{{^b}}no b{{/b}}");
    const TemplateSet set = TemplateSet::load(dir.path);
    CHECK(set.render("confirmation.en.txt", {{"a", "1"}, {"b", ""}}) == "A=1no b");
  }

  TEST_CASE("a template that does not parse is refused with its file and line") {
    TempDir dir;
    dir.write("confirmation.fr.html", "<p>Bonjour</p>\n{{#items}}\n<p>{{name}}</p>\n");
    CHECK(error_of(dir.path) == (dir.path / "confirmation.fr.html").string() + ":2: Unclosed section \"items\"");
    TempDir other;
    other.write("payment_failed.en.txt", "Subject: x\n\nHello {{customer_name\n");
    CHECK(error_of(other.path) == (other.path / "payment_failed.en.txt").string() + ":3: Unclosed tag");
  }

  TEST_CASE("a file that is not a template is refused, dotfiles, READMEs and backups are skipped") {
    TempDir dir;
    dir.write(".swp", "x");
    dir.write("README.md", "my notes");
    dir.write("confirmation.en.txt~", "x");
    CHECK_NOTHROW(TemplateSet::load(dir.path));
    dir.write("confirmation.es.txt", "x");
    CHECK(error_of(dir.path).starts_with((dir.path / "confirmation.es.txt").string() + ": not a template shopd knows"));
  }

  TEST_CASE("a folder that does not exist is refused") {
    CHECK(error_of("/nonexistent/templates").starts_with("templates.dir: /nonexistent/templates is not a folder"));
  }

  TEST_CASE("check names a value the data does not have, with its line") {
    TempDir dir;
    dir.write("confirmation.en.txt", "Subject: Hi\n\nHello {{customer_nmae}},\n{{#items}}{{qty}} {{colour}}{{/items}}\n");
    const auto problems = check_templates(TemplateSet::load(dir.path));
    const std::string file = (dir.path / "confirmation.en.txt").string();
    CHECK(std::find(problems.begin(), problems.end(),
                    file + ":3: {{customer_nmae}} is not a value shopd gives this template") != problems.end());
    CHECK(std::find(problems.begin(), problems.end(),
                    file + ":4: {{colour}} is not a value shopd gives this template") != problems.end());
  }

  TEST_CASE("check names a mail without its Subject line") {
    TempDir dir;
    dir.write("payment_failed.de.txt", "Hallo {{customer_name}}\n");
    const auto problems = check_templates(TemplateSet::load(dir.path));
    REQUIRE(problems.size() >= 1);
    CHECK(problems[0] == "payment_failed.de.txt:1: must begin with a line \"Subject: ...\", then a blank line");
  }

  TEST_CASE("check names a document line that is not key = text, and a key shopd does not print") {
    TempDir dir;
    dir.write("document.fr.txt", "facture = Facture\ntotal: Total\n");
    const auto problems = check_templates(TemplateSet::load(dir.path));
    const std::string file = (dir.path / "document.fr.txt").string();
    CHECK(std::find(problems.begin(), problems.end(), file + ": rendered line 2 is not \"key = text\"") !=
          problems.end());
    CHECK(std::find(problems.begin(), problems.end(), file + ": \"facture\" is not a text shopd prints") !=
          problems.end());
  }
}
