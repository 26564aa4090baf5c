#include "server/selectors.h"

namespace peapod::server {
namespace {

std::string trim(std::string s) {
  size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

bool matches(const Selector& s, const std::function<const nlohmann::json*(const std::string&)>& lookup) {
  for (const auto& r : s) {
    const nlohmann::json* v = lookup(r.key);
    std::string value = v && v->is_string() ? v->get<std::string>() : v && !v->is_null() ? v->dump() : "";
    bool present = v != nullptr && !v->is_null();
    bool eq = present && value == r.value;
    if (!present && !r.equal) continue;
    if (eq != r.equal) return false;
  }
  return true;
}

}  // namespace

Result<Selector> parseSelector(const std::string& text) {
  Selector out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string part = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (part.empty()) continue;
    Requirement r;
    size_t op;
    if ((op = part.find("!=")) != std::string::npos) {
      r.equal = false;
      r.key = part.substr(0, op);
      r.value = part.substr(op + 2);
    } else if ((op = part.find("==")) != std::string::npos) {
      r.key = part.substr(0, op);
      r.value = part.substr(op + 2);
    } else if ((op = part.find('=')) != std::string::npos) {
      r.key = part.substr(0, op);
      r.value = part.substr(op + 1);
    } else {
      return Error("unable to parse requirement: \"" + part + "\": only equality-based selectors are supported");
    }
    r.key = trim(r.key);
    r.value = trim(r.value);
    if (r.key.empty()) return Error("unable to parse requirement: \"" + part + "\": empty key");
    out.push_back(std::move(r));
  }
  return out;
}

bool matchesLabels(const Selector& s, const nlohmann::json& object) {
  return matches(s, [&](const std::string& key) -> const nlohmann::json* {
    auto m = object.find("metadata");
    if (m == object.end()) return nullptr;
    auto l = m->find("labels");
    if (l == m->end()) return nullptr;
    auto v = l->find(key);
    return v == l->end() ? nullptr : &*v;
  });
}

bool matchesFields(const Selector& s, const nlohmann::json& object) {
  return matches(s, [&](const std::string& key) -> const nlohmann::json* {
    const nlohmann::json* cur = &object;
    size_t pos = 0;
    while (pos <= key.size()) {
      size_t dot = key.find('.', pos);
      if (dot == std::string::npos) dot = key.size();
      auto it = cur->find(key.substr(pos, dot - pos));
      if (it == cur->end()) return nullptr;
      cur = &*it;
      pos = dot + 1;
    }
    return cur;
  });
}

}  // namespace peapod::server
