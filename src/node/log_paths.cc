#include "node/log_paths.h"

namespace peapod::node {

std::filesystem::path podLogDir(const std::filesystem::path& logDir, const std::string& ns,
                                const std::string& name, const std::string& uid) {
  return logDir / (ns + "_" + name + "_" + uid);
}

std::filesystem::path containerLogFile(const std::filesystem::path& podLogDir, const std::string& container,
                                       int restartCount) {
  return podLogDir / container / (std::to_string(restartCount) + ".log");
}

std::string criLogToText(std::string_view log, bool timestamps) {
  std::string out;
  bool midLine = false;  // the previous chunk was partial: this one continues its line
  while (!log.empty()) {
    size_t nl = log.find('\n');
    std::string_view line = log.substr(0, nl);
    log = nl == std::string_view::npos ? std::string_view() : log.substr(nl + 1);
    size_t s1 = line.find(' ');
    size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
    size_t s3 = s2 == std::string_view::npos ? s2 : line.find(' ', s2 + 1);
    if (s3 == std::string_view::npos) {
      // "<time> <stream> <tag>" with an empty line has no third space.
      if (s2 == std::string_view::npos) continue;
      s3 = line.size();
    }
    std::string_view time = line.substr(0, s1);
    std::string_view tag = line.substr(s2 + 1, s3 - s2 - 1);
    std::string_view text = s3 < line.size() ? line.substr(s3 + 1) : std::string_view();
    if (timestamps && !midLine) {
      out.append(time);
      out.push_back(' ');
    }
    out.append(text);
    midLine = tag == "P";
    if (!midLine) out.push_back('\n');
  }
  return out;
}

}  // namespace peapod::node
