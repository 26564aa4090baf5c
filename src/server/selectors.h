// Equality-based label and field selectors ("app=web,tier!=db"), as list and watch accept them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::server {

struct Requirement {
  std::string key;
  std::string value;
  bool equal = true;  // "=" / "==" versus "!="
};

using Selector = std::vector<Requirement>;

Result<Selector> parseSelector(const std::string& text);
// Labels: a missing key matches only "!=". Fields are read by path ("metadata.name", "status.phase").
bool matchesLabels(const Selector& s, const nlohmann::json& object);
bool matchesFields(const Selector& s, const nlohmann::json& object);

}  // namespace peapod::server
