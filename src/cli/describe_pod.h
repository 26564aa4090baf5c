// `describe pod` text in kubectl's layout (pkg/describe: describePod), from a Pod and its events.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace peapod::cli {

// events: the items of an EventList (may be empty).
std::string describePod(const nlohmann::json& pod, const nlohmann::json& events, WallTime now);

}  // namespace peapod::cli
