// /proc/<pid>/mountinfo parsing.
#include "sys/mountinfo.h"

#include <sstream>

namespace peapod::sys {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool under(const std::string& path, const std::string& mountPoint) {
  if (mountPoint == "/") return true;
  return path.compare(0, mountPoint.size(), mountPoint) == 0 &&
         (path.size() == mountPoint.size() || path[mountPoint.size()] == '/');
}

}  // namespace

bool MountInfo::shared() const {
  for (const auto& o : optional) {
    if (o.rfind("shared:", 0) == 0) return true;
  }
  return false;
}

std::vector<MountInfo> parseMountInfo(const std::string& text) {
  std::vector<MountInfo> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    std::istringstream f(line);
    std::string id, parent, dev, root, point, opts;
    if (!(f >> id >> parent >> dev >> root >> point >> opts)) continue;
    MountInfo m;
    m.mountPoint = unescape(point);
    for (std::string field; f >> field && field != "-";) m.optional.push_back(field);
    out.push_back(std::move(m));
  }
  return out;
}

const MountInfo* mountOf(const std::vector<MountInfo>& mounts, const std::string& path) {
  const MountInfo* found = nullptr;
  for (const auto& m : mounts) {
    // The deepest mount point wins; of equal ones the later, mounted on top.
    if (under(path, m.mountPoint) && (!found || m.mountPoint.size() >= found->mountPoint.size())) found = &m;
  }
  return found;
}

}  // namespace peapod::sys
