// A kubectl JSONPath template subset: {.a.b}, {.list[0]}, {.list[*].x}, {range .items[*]}...{end},
// quoted literals {"\n"}, and plain text between expressions (kubectl -o jsonpath=...).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::cli {

Result<std::string> renderJsonPath(const std::string& tmpl, const nlohmann::json& data);

}  // namespace peapod::cli
