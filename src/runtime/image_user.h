// Resolving a container's user the way containerd does: "user[:group]" by name or number against
// the image's /etc/passwd and /etc/group, plus the groups that list the user as a member.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace peapod::runtime {

struct ResolvedUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;  // sorted, unique; includes gid
  bool operator==(const ResolvedUser&) const = default;
};

// Pure: `spec` is "user", "user:group", "uid" or "uid:gid". A numeric user without a group takes
// the gid of its passwd entry (0 when it has none); a name must exist. Groups: gid, the groups
// whose member list names the user, then `extra` (supplementalGroups, fsGroup).
Result<ResolvedUser> resolveUser(const std::string& spec, const std::string& passwd, const std::string& group,
                                 const std::vector<uint32_t>& extra);

// Reads etc/passwd and etc/group from the topmost layer that has them (layers base first).
Result<ResolvedUser> resolveImageUser(const std::vector<std::string>& layers, const std::string& spec,
                                      const std::vector<uint32_t>& extra);

}  // namespace peapod::runtime
