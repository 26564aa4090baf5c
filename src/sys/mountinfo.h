// /proc/<pid>/mountinfo: which mount holds a path, and its propagation (shared:N, master:N).
#pragma once

#include <string>
#include <vector>

namespace peapod::sys {

struct MountInfo {
  std::string mountPoint;             // unescaped (\040 is a space)
  std::vector<std::string> optional;  // "shared:2", "master:1", "propagate_from:1", "unbindable"
  bool shared() const;
};

// The mounts of mountinfo text, in order (later lines are mounted on top of earlier ones).
std::vector<MountInfo> parseMountInfo(const std::string& text);

// The mount `path` (absolute, no "..") lives on: the one with the deepest mount point that is
// the path or an ancestor (the later of equals); null when none (no "/" in the list).
const MountInfo* mountOf(const std::vector<MountInfo>& mounts, const std::string& path);

}  // namespace peapod::sys
