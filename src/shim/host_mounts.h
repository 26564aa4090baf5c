// Bidirectional mountPropagation: clones of the host's mounts, taken in the host's mount
// namespace, so a container's mount is a peer of the host's and what the container mounts
// under it appears on the host (and the reverse).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/spec.h"
#include "sys/unique_fd.h"

namespace peapod::shim {

// The host's and the pod's mount namespaces, opened by the shim before and after it unshares.
struct MountNamespaces {
  sys::UniqueFd host, pod;
};

// For each Bidirectional mount of `mounts`: switches this (single-threaded) process to the
// host's mount namespace, checks the source's mount is shared (containerd's ensureShared:
// `path "/x" is mounted on "/" but it is not a shared mount`), clones it with open_tree and
// sets the mount's hostTreeFd; the fds stay open in `trees` until the container has started.
// Always returns to the pod's namespace (aborts if it cannot: later containers would start in
// the host's).
Status openHostTrees(const MountNamespaces& ns, std::vector<runtime::BindMount>& mounts,
                     std::vector<sys::UniqueFd>& trees);

}  // namespace peapod::shim
