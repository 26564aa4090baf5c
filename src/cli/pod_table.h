// kubectl's pod table: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES
// with -o wide), from API pod objects.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace peapod::cli {

std::string podTable(const std::vector<nlohmann::json>& pods, bool wide, bool withNamespace, WallTime now);

// Left-aligned columns separated by three spaces, as kubectl's tabwriter prints them.
std::string formatColumns(const std::vector<std::vector<std::string>>& rows);

}  // namespace peapod::cli
