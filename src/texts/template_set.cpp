#include "texts/template_set.h"

#include <kainjow/mustache.hpp>

#include "core/html_escape.h"

#include <fstream>
#include <set>
#include <sstream>

namespace shopd::texts {

namespace {

namespace mst = kainjow::mustache;

// The repository's templates/ folder, as {file name, text} pairs (Makefile).
const std::pair<const char*, const char*> kBuiltin[] = {
#include "templates.inc"
};

bool is_html(const std::string& name) { return name.size() > 5 && name.ends_with(".html"); }

// A line that holds nothing but one section tag ({{#items}}, {{^x}}, {{/x}})
// or a comment is "standalone" in the Mustache spec: it leaves no trace in
// the output, not even its line break. kainjow keeps the line break of a
// section that is not rendered, and drops the blank line that follows one
// that is. So the source is prepared before kainjow sees it: standalone tag
// lines lose their indentation and line break, and a blank line is marked
// with kBlankLine (removed from the output) so that kainjow keeps it. Parse
// errors are located in the original text (the same syntax error is there).
constexpr char kBlankLine = '\x01';
std::string without_standalone_breaks(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool last = end == std::string::npos;
    if (last) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t first = line.find_first_not_of(" \t");
    const size_t close = line.find("}}");
    const bool standalone = first != std::string::npos && line.compare(first, 2, "{{") == 0 &&
                            first + 2 < line.size() && std::string("#^/!").find(line[first + 2]) != std::string::npos &&
                            close != std::string::npos && line.find("{{", first + 2) == std::string::npos &&
                            line.find_first_not_of(" \t\r", close + 2) == std::string::npos;
    if (standalone) out += line.substr(first, close + 2 - first);
    else out += line + (first == std::string::npos && !last ? std::string(1, kBlankLine) : "") + (last ? "" : "\n");
    start = end + 1;
  }
  return out;
}

// Empty strings and null are false, so that {{#vat_id}}...{{/vat_id}} means
// "when there is one", as in most Mustache implementations.
mst::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mst::data d{mst::data::type::object};
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mst::data d{mst::data::type::list};
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? mst::data(false) : mst::data(s);
    }
    case nlohmann::json::value_t::boolean: return mst::data(j.get<bool>());
    case nlohmann::json::value_t::null: return mst::data(false);
    default: return mst::data(j.dump());
  }
}

// A context that remembers the names it had no value for.
class RecordingContext : public mst::context<std::string> {
 public:
  explicit RecordingContext(const mst::data* data) : mst::context<std::string>(data) {}
  const mst::data* get(const std::string& name) const override {
    const mst::data* found = mst::context<std::string>::get(name);
    if (!found) missing.insert(name);
    return found;
  }
  mutable std::set<std::string> missing;
};

int line_of(const std::string& text, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

// kainjow says "Unclosed section \"items\" at 120": the byte offset becomes a line.
std::string located(const std::string& where, const std::string& text, const std::string& message) {
  const size_t at = message.rfind(" at ");
  if (at != std::string::npos && at + 4 < message.size() &&
      message.find_first_not_of("0123456789", at + 4) == std::string::npos) {
    const size_t offset = std::stoul(message.substr(at + 4));
    return where + ":" + std::to_string(line_of(text, offset)) + ": " + message.substr(0, at);
  }
  return where + ": " + message;
}

// The first line where a tag names `name` ({{name}}, {{#name}}, {{{name}}}, ...).
int line_of_tag(const std::string& text, const std::string& name) {
  for (size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
    size_t p = at + 2;
    while (p < text.size() && (text[p] == '{' || text[p] == '#' || text[p] == '^' || text[p] == '&' ||
                               text[p] == '/' || text[p] == ' '))
      ++p;
    if (text.compare(p, name.size(), name) == 0) {
      const size_t end = p + name.size();
      if (end < text.size() && (text[end] == '}' || text[end] == ' ')) return line_of(text, at);
    }
  }
  return 1;
}

// The parse error of `text`, located by line in `text` itself.
std::string parse_error(const std::string& where, const std::string& text) {
  mst::mustache original(text);
  return located(where, text, original.is_valid() ? "cannot be parsed" : original.error_message());
}

std::string where_of(const std::string& name, const TemplateSource& source) {
  return source.origin == "built-in" ? name + " (built-in)" : source.origin;
}

bool ignored_file(const std::string& file) {
  return file.empty() || file.front() == '.' || file.starts_with("README") || file.back() == '~';
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TemplateError(path.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const std::map<std::string, std::string>& builtin_templates() {
  static const std::map<std::string, std::string> all = [] {
    std::map<std::string, std::string> out;
    for (const auto& [name, text] : kBuiltin) out.emplace(name, text);
    return out;
  }();
  return all;
}

TemplateSet::TemplateSet() {
  for (const auto& [name, text] : builtin_templates()) sources_[name] = TemplateSource{text, "built-in"};
}

TemplateSet TemplateSet::load(const std::filesystem::path& dir) {
  TemplateSet set;
  if (dir.empty()) return set;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw TemplateError("templates.dir: " + dir.string() + " is not a folder shopd can read");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && !ignored_file(entry.path().filename().string())) files.push_back(entry.path());
  if (ec) throw TemplateError("templates.dir: " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    if (!set.has(name))
      throw TemplateError(path.string() + ": not a template shopd knows; names are those of the built-in ones, "
                          "such as confirmation.de.html (`shopd templates` lists them)");
    TemplateSource source{read_file(path), path.string()};
    mst::mustache parsed(source.text);
    if (!parsed.is_valid()) throw TemplateError(located(path.string(), source.text, parsed.error_message()));
    set.sources_[name] = std::move(source);
  }
  return set;
}

std::string TemplateSet::render(const std::string& name, const nlohmann::json& data) const {
  const auto it = sources_.find(name);
  if (it == sources_.end()) throw TemplateError(name + ": no such template");
  mst::mustache tmpl(without_standalone_breaks(it->second.text));
  // HTML parts through shopd's one escape (core/html_escape.h); text as it is.
  tmpl.set_custom_escape([html = is_html(name)](const std::string& s) { return html ? html_escape(s) : s; });
  if (!tmpl.is_valid()) throw TemplateError(parse_error(where_of(name, it->second), it->second.text));
  std::string out = tmpl.render(to_data(data));
  if (!tmpl.is_valid())
    throw TemplateError(located(where_of(name, it->second), it->second.text, tmpl.error_message()));
  std::erase(out, kBlankLine);
  return out;
}

std::vector<std::string> TemplateSet::check(const std::string& name, const nlohmann::json& data) const {
  const auto it = sources_.find(name);
  if (it == sources_.end()) return {name + ": no such template"};
  const TemplateSource& source = it->second;
  const std::string where = where_of(name, source);
  mst::mustache tmpl(without_standalone_breaks(source.text));
  if (!tmpl.is_valid()) return {parse_error(where, source.text)};
  const mst::data values = to_data(data);
  RecordingContext context(&values);
  std::ostringstream out;
  tmpl.render(context, out);
  if (!tmpl.is_valid()) return {located(where, source.text, tmpl.error_message())};
  std::vector<std::string> problems;
  for (const auto& missing : context.missing)
    problems.push_back(where + ":" + std::to_string(line_of_tag(source.text, missing)) + ": {{" + missing +
                       "}} is not a value shopd gives this template");
  return problems;
}

}  // namespace shopd::texts
