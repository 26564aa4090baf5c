#include "base/time.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace peapod {
namespace {

std::string formatWith(WallTime t, bool nanos) {
  auto since = t.time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since);
  time_t tt = secs.count();
  tm g;
  gmtime_r(&tt, &g);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", g.tm_year + 1900, g.tm_mon + 1,
                        g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec);
  if (nanos) {
    long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
    n += std::snprintf(buf + n, sizeof buf - n, ".%09ld", ns);
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

}  // namespace

std::string formatRfc3339(WallTime t) { return formatWith(t, false); }
std::string formatRfc3339Nano(WallTime t) { return formatWith(t, true); }

std::optional<WallTime> parseRfc3339(std::string_view s) {
  int Y, M, D, h, m, sec, used = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &used) != 6) {
    return std::nullopt;
  }
  long nanos = 0;
  size_t i = used;
  if (i < str.size() && str[i] == '.') {
    long scale = 100000000;
    for (++i; i < str.size() && std::isdigit(static_cast<unsigned char>(str[i])); ++i) {
      nanos += (str[i] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  if (i < str.size() && (str[i] == '+' || str[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (str[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
  } else if (i >= str.size() || (str[i] != 'Z' && str[i] != 'z')) {
    return std::nullopt;
  }
  tm g{};
  g.tm_year = Y - 1900;
  g.tm_mon = M - 1;
  g.tm_mday = D;
  g.tm_hour = h;
  g.tm_min = m;
  g.tm_sec = sec;
  time_t tt = timegm(&g) - offset;
  return WallTime(std::chrono::seconds(tt)) +
         std::chrono::duration_cast<WallClock::duration>(std::chrono::nanoseconds(nanos));
}

std::string nowRfc3339() { return formatRfc3339(WallClock::now()); }

std::string secondsPrecision(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  return t ? formatRfc3339(*t) : rfc3339;
}

std::string humanDuration(std::chrono::seconds d) {
  long s = d.count();
  if (s < 0) s = 0;
  auto fmt = [](const char* f, long a, long b = 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, f, a, b);
    return std::string(buf);
  };
  // Mirrors k8s.io/apimachinery/pkg/util/duration.HumanDuration.
  if (s < 120) return fmt("%lds", s);
  long minutes = s / 60;
  if (minutes < 10) return s % 60 == 0 ? fmt("%ldm", minutes) : fmt("%ldm%lds", minutes, s % 60);
  if (minutes < 180) return fmt("%ldm", minutes);
  long hours = s / 3600;
  if (hours < 8) return minutes % 60 == 0 ? fmt("%ldh", hours) : fmt("%ldh%ldm", hours, minutes % 60);
  if (hours < 48) return fmt("%ldh", hours);
  if (hours < 24 * 8) return hours % 24 == 0 ? fmt("%ldd", hours / 24) : fmt("%ldd%ldh", hours / 24, hours % 24);
  if (hours < 24 * 365 * 2) return fmt("%ldd", hours / 24);
  if (hours < 24 * 365 * 8) {
    long dy = (hours / 24) % 365;
    return dy == 0 ? fmt("%ldy", hours / 24 / 365) : fmt("%ldy%ldd", hours / 24 / 365, dy);
  }
  return fmt("%ldy", hours / 24 / 365);
}

}  // namespace peapod
