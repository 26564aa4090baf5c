// The container-mount rules the pure spec builder (container_config) leaves to the node: subPath
// and subPathExpr opened safely and bind-mounted (the kubelet's subpather), mountPropagation,
// read-only content volumes, and the generated /etc files yielding to the container's own.
#pragma once

#include <string>

#include "api/types.h"
#include "base/result.h"
#include "node/config.h"
#include "node/container_config.h"
#include "runtime/spec.h"

namespace peapod::node {

// Opens <volumePath>/<subPath> without ever leaving volumePath (openat2 RESOLVE_BENEATH: a
// symlink or ".." pointing outside fails), creating missing directories with the volume's mode,
// then bind-mounts the opened file or directory (through /proc/self/fd) on `target`. Because the
// bind is of what was opened, a symlink swapped in afterwards changes nothing.
Status bindSubPath(const std::string& volumePath, const std::string& subPath, const std::string& target);

// Applies the rules above to a spec made by makeContainerSpec. Errors read like the kubelet's
// CreateContainerConfigError messages (`failed to prepare subPath for volumeMount "v" of
// container "c"`, `missing value for POD_NAME`).
Result<runtime::ContainerSpec> finishVolumeMounts(const NodeConfig& config, const api::Pod& pod,
                                                  const api::Container& c, const PodPaths& paths,
                                                  runtime::ContainerSpec spec);

}  // namespace peapod::node
