#include "runtime/image_user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace peapod::runtime {
namespace {

bool parseId(const std::string& s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string> splitFields(const std::string& line, char sep) {
  std::vector<std::string> f;
  size_t pos = 0;
  while (true) {
    size_t next = line.find(sep, pos);
    f.push_back(line.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) return f;
    pos = next + 1;
  }
}

// Calls f(fields) for each non-comment line with at least `minFields` ':'-separated fields.
template <class F>
void forEachEntry(const std::string& text, size_t minFields, F f) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = splitFields(line, ':');
    if (fields.size() >= minFields && f(fields)) return;
  }
}

// Regular files only: a symlink in a layer could point anywhere on the host.
std::string readRegular(const std::string& path, bool& found) {
  found = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return "";
  struct stat st;
  std::string out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (16 << 20)) {
    found = true;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The file as the merged overlay shows it: the topmost layer that has an entry for it wins.
std::string layerFile(const std::vector<std::string>& layers, const std::string& rel) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    std::string p = *it + "/" + rel;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) continue;
    bool found = false;
    std::string text = readRegular(p, found);
    return found ? text : "";  // a whiteout or anything else hides lower layers
  }
  return "";
}

}  // namespace

Result<ResolvedUser> resolveUser(const std::string& spec, const std::string& passwd, const std::string& group,
                                 const std::vector<uint32_t>& extra) {
  std::string user = spec, grp;
  bool hasGroup = false;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    user = spec.substr(0, colon);
    grp = spec.substr(colon + 1);
    hasGroup = true;
  }
  if (user.empty()) user = "0";
  ResolvedUser r;
  std::string userName;
  bool found = false;
  bool numeric = parseId(user, r.uid);
  forEachEntry(passwd, 4, [&](const std::vector<std::string>& f) {
    uint32_t uid = 0;
    bool match = numeric ? (parseId(f[2], uid) && uid == r.uid) : f[0] == user;
    if (!match) return false;
    found = true;
    userName = f[0];
    if (!numeric) parseId(f[2], r.uid);
    parseId(f[3], r.gid);
    return true;
  });
  if (!numeric && !found) return Error("unable to find user " + user + ": no matching entries in passwd file");
  if (!found) r.gid = 0;
  if (hasGroup) {
    if (!parseId(grp, r.gid)) {
      bool gfound = false;
      forEachEntry(group, 3, [&](const std::vector<std::string>& f) {
        if (f[0] != grp) return false;
        gfound = parseId(f[2], r.gid);
        return true;
      });
      if (!gfound) return Error("unable to find group " + grp + ": no matching entries in group file");
    }
  }
  r.groups.push_back(r.gid);
  if (!userName.empty()) {
    forEachEntry(group, 4, [&](const std::vector<std::string>& f) {
      uint32_t gid = 0;
      for (const auto& member : splitFields(f[3], ',')) {
        if (member == userName && parseId(f[2], gid)) r.groups.push_back(gid);
      }
      return false;
    });
  }
  r.groups.insert(r.groups.end(), extra.begin(), extra.end());
  std::sort(r.groups.begin(), r.groups.end());
  r.groups.erase(std::unique(r.groups.begin(), r.groups.end()), r.groups.end());
  return r;
}

Result<ResolvedUser> resolveImageUser(const std::vector<std::string>& layers, const std::string& spec,
                                      const std::vector<uint32_t>& extra) {
  return resolveUser(spec, layerFile(layers, "etc/passwd"), layerFile(layers, "etc/group"), extra);
}

}  // namespace peapod::runtime
