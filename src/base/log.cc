#include "base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace peapod::log {
namespace {
Level g_level = Level::kInfo;
}

void setLevel(Level level) { g_level = level; }
bool enabled(Level level) { return level >= g_level; }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  static constexpr char kLetters[] = {'D', 'I', 'W', 'E'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char line[64];
  int n = std::snprintf(line, sizeof line, "%c%02d%02d %02d:%02d:%02d.%06ld ", kLetters[int(level)],
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, long(tv.tv_usec));
  std::string out(line, n);
  out.append(message);
  out.push_back('\n');
  (void)!::write(2, out.data(), out.size());
}

}  // namespace peapod::log
