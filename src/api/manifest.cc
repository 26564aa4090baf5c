// parseManifests: JSON or multi-document YAML to JSON objects, plain scalars typed as kubectl and
// the apiserver type them (sigs.k8s.io/yaml: go-yaml v2's YAML 1.1 rules).
#include "api/manifest.h"

#include <cerrno>
#include <cstdlib>
#include <cmath>
#include <optional>
#include <regex>
#include <tuple>

#include <yaml-cpp/yaml.h>

namespace peapod::api {

namespace {

const std::string kYamlPrefix = "error converting YAML to JSON: yaml: ";

Error yamlError(const YAML::Mark& mark, std::string_view msg) {
  std::string m = kYamlPrefix + "line " + std::to_string(mark.line + 1);
  if (mark.column >= 0) m += ": column " + std::to_string(mark.column + 1);
  m += ": ";
  m += msg;
  return Error(std::move(m));
}

// A plain (unquoted, untagged) scalar typed as go-yaml v2 types it, so a manifest means here what
// it means to kubectl: `defaultMode: 0644` is octal (420), `yes`/`on`/`y` are true and
// `no`/`off`/`n` false, underscores group digits.
nlohmann::json plainScalar(const std::string& s) {
  static const std::regex kNull("null|Null|NULL|~");
  static const std::regex kTrue("true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y");
  static const std::regex kFalse("false|False|FALSE|no|No|NO|off|Off|OFF|n|N");
  static const std::regex kDec("[-+]?(0|[1-9][0-9]*)");
  static const std::regex kLeadingZeroOct("[-+]?0[0-7]+");
  static const std::regex kOct("[-+]?0o[0-7]+");
  static const std::regex kHex("[-+]?0x[0-9a-fA-F]+");
  static const std::regex kBin("[-+]?0b[01]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex kInf("[-+]?\\.(inf|Inf|INF)");
  static const std::regex kNan("\\.(nan|NaN|NAN)");
  if (s.empty() || std::regex_match(s, kNull)) return nullptr;
  if (std::regex_match(s, kTrue)) return true;
  if (std::regex_match(s, kFalse)) return false;
  std::string plain;
  for (char c : s) {
    if (c != '_') plain += c;
  }
  bool negative = !plain.empty() && plain[0] == '-';
  size_t sign = !plain.empty() && (plain[0] == '-' || plain[0] == '+') ? 1 : 0;
  // `prefix` digits of base `base` after the sign; too big for 64 bits: nullopt.
  auto integer = [&](size_t prefix, int base) -> std::optional<nlohmann::json> {
    std::string digits = plain.substr(sign + prefix);
    errno = 0;
    char* end = nullptr;
    unsigned long long u = std::strtoull(digits.c_str(), &end, base);
    if (errno != 0 || *end != '\0') return std::nullopt;
    if (!negative) return u <= INT64_MAX ? nlohmann::json(static_cast<int64_t>(u)) : nlohmann::json(static_cast<uint64_t>(u));
    if (u > static_cast<unsigned long long>(INT64_MAX) + 1) return std::nullopt;
    return nlohmann::json(static_cast<int64_t>(0 - u));
  };
  if (std::regex_match(plain, kDec)) {
    if (auto v = integer(0, 10)) return *v;
    return std::strtod(plain.c_str(), nullptr);  // too big for 64 bits: a float, as Go does
  }
  for (const auto& [re, prefix, base] : {std::tuple{&kLeadingZeroOct, 1, 8}, std::tuple{&kOct, 2, 8},
                                         std::tuple{&kHex, 2, 16}, std::tuple{&kBin, 2, 2}}) {
    if (!std::regex_match(plain, *re)) continue;
    if (auto v = integer(prefix, base)) return *v;
  }
  if (std::regex_match(plain, kFloat)) return std::strtod(plain.c_str(), nullptr);
  if (std::regex_match(s, kInf)) return s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  if (std::regex_match(s, kNan)) return NAN;
  return s;
}

Result<nlohmann::json> toJsonValue(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "?") return plainScalar(node.Scalar());
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return nlohmann::json(node.Scalar());
      if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
          tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
        nlohmann::json v = plainScalar(node.Scalar());
        bool fits = (tag.ends_with("int") && v.is_number_integer()) ||
                    (tag.ends_with("float") && v.is_number()) ||
                    (tag.ends_with("bool") && v.is_boolean()) || (tag.ends_with("null") && v.is_null());
        if (!fits) return yamlError(node.Mark(), "cannot decode " + node.Scalar() + " as " + tag);
        return v;
      }
      return nlohmann::json(node.Scalar());  // unknown local tags: keep the text
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : node) {
        PEAPOD_ASSIGN_OR_RETURN(nlohmann::json v, toJsonValue(item));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar())
          return yamlError(it->first.Mark(), "only string keys are supported in a mapping");
        std::string key = it->first.Scalar();
        if (o.contains(key)) return yamlError(it->first.Mark(), "key \"" + key + "\" already set in map");
        PEAPOD_ASSIGN_OR_RETURN(nlohmann::json v, toJsonValue(it->second));
        o[key] = std::move(v);
      }
      return o;
    }
  }
  return nlohmann::json(nullptr);
}

// Appends one parsed document: objects as they are, Lists as their items, nothing for empty.
Status addDocument(nlohmann::json doc, size_t index, std::vector<nlohmann::json>& out) {
  if (doc.is_null()) return {};
  if (!doc.is_object())
    return Error("document " + std::to_string(index + 1) + ": expected an object, got " + doc.type_name());
  auto kind = doc.find("kind");
  if (kind != doc.end() && kind->is_string() && kind->get<std::string>() == "List") {
    auto items = doc.find("items");
    if (items == doc.end() || items->is_null()) return {};
    if (!items->is_array()) return Error("document " + std::to_string(index + 1) + ": items must be a list");
    for (auto& item : *items) {
      if (!item.is_object())
        return Error("document " + std::to_string(index + 1) + ": List items must be objects");
      out.push_back(std::move(item));
    }
    return {};
  }
  out.push_back(std::move(doc));
  return {};
}

}  // namespace

Result<std::vector<nlohmann::json>> parseManifests(std::string_view text) {
  std::vector<nlohmann::json> out;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return out;
  if (text[first] == '{') {
    // JSON proper: exact numbers and JSON-style errors. Several concatenated objects are allowed.
    size_t index = 0;
    std::string_view rest = text.substr(first);
    while (true) {
      size_t start = rest.find_first_not_of(" \t\r\n");
      if (start == std::string_view::npos) break;
      rest = rest.substr(start);
      nlohmann::json doc;
      size_t consumed = 0;
      try {
        doc = nlohmann::json::parse(rest);
        consumed = rest.size();
      } catch (const nlohmann::json::parse_error& e) {
        // "syntax error ... unexpected '{'; expected end of input" marks a second document.
        size_t pos = e.byte > 0 ? e.byte - 1 : 0;
        if (pos > 0 && pos < rest.size() && rest[pos] == '{') {
          try {
            doc = nlohmann::json::parse(rest.substr(0, pos));
            consumed = pos;
          } catch (const nlohmann::json::parse_error& e2) {
            return Error(std::string("error parsing JSON: ") + e2.what());
          }
        } else {
          return Error(std::string("error parsing JSON: ") + e.what());
        }
      }
      PEAPOD_TRY(addDocument(std::move(doc), index++, out));
      rest = rest.substr(consumed);
    }
    return out;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    return yamlError(e.mark, e.msg);
  } catch (const YAML::Exception& e) {
    return Error(kYamlPrefix + e.what());
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    Result<nlohmann::json> doc = [&]() -> Result<nlohmann::json> {
      try {
        return toJsonValue(docs[i]);
      } catch (const YAML::Exception& e) {
        return Error(kYamlPrefix + e.what());
      }
    }();
    if (!doc.ok()) return std::move(doc).error();
    PEAPOD_TRY(addDocument(std::move(*doc), i, out));
  }
  return out;
}

}  // namespace peapod::api
