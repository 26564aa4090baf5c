// Minimal leveled logging to stderr: "I1122 17:40:01.123456 message" (klog-like prefix).
#pragma once

#include <string_view>

namespace peapod::log {

enum class Level { kDebug, kInfo, kWarning, kError };

void setLevel(Level level);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warn(std::string_view m) { write(Level::kWarning, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace peapod::log
