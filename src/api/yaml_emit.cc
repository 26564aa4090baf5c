// toYaml: kubectl-style block YAML from JSON (what `-o yaml` prints).
#include <cctype>
#include <regex>

#include "api/manifest.h"

namespace peapod::api {

namespace {

// True when `s` written plain would read back as a string equal to `s` under both the
// YAML 1.2 core schema and YAML 1.1 (go-yaml, PyYAML), so readers of either agree.
bool safePlain(const std::string& s) {
  if (s.empty()) return false;
  static const std::regex kSpecial(
      "null|Null|NULL|~|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|=|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, kSpecial)) return false;
  unsigned char c0 = static_cast<unsigned char>(s[0]);
  // Anything number-like (and timestamps, as go-yaml quotes them) gets quotes.
  if (std::isdigit(c0) || ((c0 == '-' || c0 == '+' || c0 == '.') && s.size() > 1 &&
                           (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.')))
    return false;
  if (std::string_view(",[]{}#&*!|>'\"%@`").find(static_cast<char>(c0)) != std::string_view::npos) return false;
  if ((c0 == '-' || c0 == '?' || c0 == ':') && (s.size() == 1 || s[1] == ' ')) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// Double-quoted YAML uses the same escapes as JSON strings.
std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string scalarText(const std::string& s) { return safePlain(s) ? s : quoted(s); }

// A literal block (|) suits multi-line text that has no other control characters and does
// not start with a space (which would need an indentation indicator).
bool literalBlockFits(const std::string& s) {
  if (s.find('\n') == std::string::npos || s.front() == ' ' || s.front() == '\n') return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  size_t lineStart = 0;
  while (lineStart < s.size()) {  // trailing spaces on a line would survive, but read poorly
    size_t end = s.find('\n', lineStart);
    if (end == std::string::npos) end = s.size();
    if (end > lineStart && s[end - 1] == ' ') return false;
    lineStart = end + 1;
  }
  return true;
}

void emitLiteral(const std::string& s, int indent, std::string& out) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += '\n';
  std::string body = s.substr(0, s.size() - trailing);
  std::string pad(indent, ' ');
  size_t start = 0;
  while (true) {
    size_t end = body.find('\n', start);
    std::string line = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) out += pad + line;
    out += '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += '\n';
}

bool isEmptyCollection(const nlohmann::json& v) { return (v.is_object() || v.is_array()) && v.empty(); }

std::string inlineValue(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return scalarText(v.get<std::string>());
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return v.dump();
}

void emitNode(const nlohmann::json& v, int indent, std::string& out);

// A value after "key:" or "- ": inline scalars, literal blocks, or a nested block.
void emitAfterIndicator(const nlohmann::json& v, int indent, bool inSequence, std::string& out) {
  if (v.is_string() && literalBlockFits(v.get<std::string>())) {
    out += ' ';
    emitLiteral(v.get<std::string>(), indent + 2, out);
  } else if (isEmptyCollection(v) || !(v.is_object() || v.is_array())) {
    out += ' ' + inlineValue(v) + '\n';
  } else if (inSequence) {
    // "- " then the first line of the nested block on the same line.
    std::string nested;
    emitNode(v, indent + 2, nested);
    out += ' ' + nested.substr(indent + 2);
  } else {
    out += '\n';
    // kubectl does not indent a sequence under its key.
    emitNode(v, v.is_array() ? indent : indent + 2, out);
  }
}

void emitNode(const nlohmann::json& v, int indent, std::string& out) {
  std::string pad(indent, ' ');
  if (v.is_object() && !v.empty()) {
    for (const auto& [key, value] : v.items()) {
      out += pad + scalarText(key) + ':';
      emitAfterIndicator(value, indent, false, out);
    }
  } else if (v.is_array() && !v.empty()) {
    for (const auto& item : v) {
      out += pad + '-';
      emitAfterIndicator(item, indent, true, out);
    }
  } else {
    out += pad + inlineValue(v) + '\n';
  }
}

}  // namespace

std::string toYaml(const nlohmann::json& value) {
  std::string out;
  if (value.is_string() && literalBlockFits(value.get<std::string>())) {
    emitLiteral(value.get<std::string>(), 2, out);
    return out;
  }
  emitNode(value, 0, out);
  return out;
}

}  // namespace peapod::api
