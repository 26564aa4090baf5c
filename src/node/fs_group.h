// fsGroup volume ownership, as the kubelet's SetVolumeOwnership does it: every file and directory
// of a volume gets the group, group read/write (read-only volumes: read), and directories the
// setgid bit so new files inherit the group.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "api/types.h"
#include "base/result.h"

namespace peapod::node {

// Walks `dir` (symlinks are not followed). With `onRootMismatchOnly` (fsGroupChangePolicy
// OnRootMismatch) nothing is done when the top directory already has the group and mode.
Status setVolumeOwnership(const std::string& dir, uint32_t fsGroup, bool readOnly, bool onRootMismatchOnly = false);

// Applies the pod's fsGroup to the volumes the kubelet applies it to (emptyDir, configMap,
// secret, downwardAPI, projected); `paths` maps volume names to their host directories.
Status applyFsGroup(const api::Pod& pod, const std::map<std::string, std::string>& paths);

// The same for one volume at `path`; the node calls it again whenever it rewrites a ConfigMap,
// Secret, downwardAPI or projected volume (new files come with the daemon's group, and the
// kubelet re-applies ownership on every volume SetUp). Other volume kinds are left alone.
Status applyFsGroupToVolume(const api::Pod& pod, const api::Volume& v, const std::string& path);

}  // namespace peapod::node
