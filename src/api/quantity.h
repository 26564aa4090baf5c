// resource.Quantity arithmetic: parse "500m", "1.5Gi", "2e3" into integers the node can use
// for cgroup limits, and compare requests with limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/types_parts.h"

namespace peapod::api {

// The value in milli-units ("250m" -> 250, "1" -> 1000), rounded up like Quantity.MilliValue();
// nullopt when malformed or beyond int64.
std::optional<int64_t> quantityMilliValue(std::string_view text);
// The value in whole units ("1Gi" -> 1073741824, "500m" -> 1), rounded up like Quantity.Value().
std::optional<int64_t> quantityValue(std::string_view text);

inline std::optional<int64_t> quantityMilliValue(const Quantity& q) { return quantityMilliValue(q.value); }
inline std::optional<int64_t> quantityValue(const Quantity& q) { return quantityValue(q.value); }

// -1, 0, 1 as a < b, a == b, a > b; nullopt when either is malformed.
std::optional<int> compareQuantities(std::string_view a, std::string_view b);

}  // namespace peapod::api
