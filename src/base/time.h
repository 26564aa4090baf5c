// Wall-clock timestamps in the formats Kubernetes uses (RFC 3339, seconds or nanoseconds).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace peapod {

using WallClock = std::chrono::system_clock;
using WallTime = WallClock::time_point;

// "2026-11-22T17:40:01Z": what metav1.Time serializes to.
std::string formatRfc3339(WallTime t);
// "2026-11-22T17:40:01.123456789Z": the CRI log line timestamp.
std::string formatRfc3339Nano(WallTime t);
// formatRfc3339 of the current time.
std::string nowRfc3339();
// "…T17:40:01.123456789Z" -> "…T17:40:01Z", the precision metav1.Time carries; malformed text
// comes back as it was.
std::string secondsPrecision(const std::string& rfc3339);
// Parses both forms above (and "+00:00" offsets); nullopt when malformed.
std::optional<WallTime> parseRfc3339(std::string_view s);
// kubectl's short age: "5s", "3m12s", "2d" (HumanDuration rules).
std::string humanDuration(std::chrono::seconds d);

}  // namespace peapod
