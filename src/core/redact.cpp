#include "core/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace shopd {

namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr size_t kMinSecretLength = 4;

// Token prefixes whose rest is secret. For keys, the mode ("live_"/"test_")
// stays visible: it tells the owner which key was involved.
constexpr std::array<std::string_view, 5> kTokenPrefixes = {"sk_", "rk_", "whsec_", "pm_", "tok_"};
constexpr std::array<std::string_view, 2> kModes = {"live_", "test_"};
constexpr std::array<std::string_view, 3> kCredentialSchemes = {"bearer ", "basic ", "authorization:"};

struct Registry {
  std::shared_mutex mu;
  std::vector<std::string> secrets;
};

Registry& registry() {
  static Registry r;
  return r;
}

bool is_token_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool starts_with_ci(std::string_view text, size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i]) return false;
  return true;
}

size_t token_end(std::string_view text, size_t from) {
  while (from < text.size() && is_token_char(text[from])) ++from;
  return from;
}

// A credential after "Bearer"/"Basic" (RFC 6750's b64token and more): up to
// whitespace, a quote or a separator.
size_t credential_end(std::string_view text, size_t from) {
  while (from < text.size() && !std::isspace(static_cast<unsigned char>(text[from])) &&
         std::string_view("\"',;<>()").find(text[from]) == std::string_view::npos)
    ++from;
  return from;
}

// Basic credentials are base64("user:password"); "Basic" followed by a word
// ("basic information") is ordinary text.
bool is_basic_credential(std::string_view token) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (token.size() < 8 || token.size() % 4 != 0) return false;
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : token) {
    if (c == '=') break;
    const auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      if (static_cast<char>((bits >> nbits) & 0xFF) == ':') return true;
    }
  }
  return false;
}

// Replaces tokens and credentials; returns the text with them redacted.
std::string scrub_patterns(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const bool at_word_start = i == 0 || !is_word_char(text[i - 1]);
    if (at_word_start) {
      // "Bearer abc", "Basic abc", "Authorization: anything up to the line end".
      bool done = false;
      for (auto scheme : kCredentialSchemes) {
        if (!starts_with_ci(text, i, scheme)) continue;
        size_t j = i + scheme.size();
        while (j < text.size() && text[j] == ' ') ++j;
        const size_t end = scheme == "authorization:" ? text.find_first_of("\r\n\"", j) : credential_end(text, j);
        const size_t stop = end == std::string_view::npos ? text.size() : end;
        if (stop == j || (scheme == "basic " && !is_basic_credential(text.substr(j, stop - j)))) continue;
        out.append(text.substr(i, j - i)).append(kRedacted);
        i = stop;
        done = true;
        break;
      }
      if (done) continue;
      for (auto prefix : kTokenPrefixes) {
        if (text.compare(i, prefix.size(), prefix) != 0) continue;
        size_t keep = i + prefix.size();
        for (auto mode : kModes)
          if (text.compare(keep, mode.size(), mode) == 0) keep += mode.size();
        const size_t end = token_end(text, keep);
        if (end == keep) continue;
        out.append(text.substr(i, keep - i)).append(kRedacted);
        i = end;
        done = true;
        break;
      }
      if (done) continue;
    }
    // Client secrets: "pi_123_secret_abc" keeps "pi_123_secret_".
    if (text.compare(i, 8, "_secret_") == 0) {
      const size_t keep = i + 8;
      const size_t end = token_end(text, keep);
      if (end > keep) {
        out.append(text.substr(i, keep - i)).append(kRedacted);
        i = end;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

void replace_all(std::string& text, std::string_view needle) {
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), kRedacted);
    pos += kRedacted.size();
  }
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < kMinSecretLength) return;
  auto& r = registry();
  std::unique_lock lock(r.mu);
  if (std::find(r.secrets.begin(), r.secrets.end(), value) == r.secrets.end()) r.secrets.emplace_back(value);
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(r.secrets.begin(), r.secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string scrub_secrets(std::string_view text) {
  std::string out(text);
  {
    auto& r = registry();
    std::shared_lock lock(r.mu);
    for (const auto& secret : r.secrets) replace_all(out, secret);
  }
  return scrub_patterns(out);
}

}  // namespace shopd
