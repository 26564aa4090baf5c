// Pod volumes on the host, as the kubelet's volume manager sets them up: emptyDir (on disk, or
// tmpfs for medium Memory), hostPath type checks, and the content volumes (configMap, secret,
// downwardAPI, projected) written with the atomic writer; teardown and emptyDir usage.
//
// Layout (the kubelet's): <dataDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>, and
// <dataDir>/pods/<uid>/volume-subpaths/<volume>/<container>/<index> for subPath bind mounts.
// <dataDir>/pods/<uid> is a shared bind mount of itself, made before the shim starts: the
// shim's mount namespace is a slave of it, so a subPath bind made later reaches the pod.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/types.h"
#include "base/result.h"
#include "node/config.h"
#include "node/env.h"

namespace peapod::node {

// Volume name -> host path, creating only what is missing (no content, no checks beyond that):
// what the sandbox hands to container specs. hostPath DirectoryOrCreate/FileOrCreate create.
Result<std::map<std::string, std::string>> prepareVolumes(const NodeConfig& config, const api::Pod& pod);

// The kubelet's SetUp for every volume of the pod: the shared pod dir, emptyDirs (tmpfs with
// size=sizeLimit for medium Memory), secrets on tmpfs, hostPath type checks, content files.
// Idempotent (a restarted daemon calls it again). The error reads like the kubelet's FailedMount
// event: `MountVolume.SetUp failed for volume "x" : configmap "y" not found`.
Status setUpVolumes(const NodeConfig& config, const api::Pod& pod, const NodeFacts& node);

// Rewrites the content volumes whose files changed (a ConfigMap or Secret update; with
// `metadataOnly`, the downwardAPI ones after a label or annotation change). Returns the first
// failure; the other volumes are still refreshed.
Status refreshContentVolumes(const NodeConfig& config, const api::Pod& pod, const NodeFacts& node,
                             bool metadataOnly);

// Unmounts everything mounted under the pod's data dir (tmpfs volumes, subPath binds, the
// shared pod dir itself). An error means something is still mounted: do not delete the dir.
Status tearDownVolumes(const NodeConfig& config, const std::string& uid);

// The host path of a volume (where prepareVolumes puts it).
std::string volumeHostPath(const NodeConfig& config, const api::Pod& pod, const api::Volume& v);

// True when some emptyDir has a sizeLimit (usage must be watched).
bool hasEmptyDirLimits(const api::Pod& pod);
// The kubelet's eviction message for the first emptyDir whose usage exceeds its sizeLimit:
// `Usage of EmptyDir volume "x" exceeds the limit "1Mi". `; nullopt when all are within.
std::optional<std::string> emptyDirOverLimit(const NodeConfig& config, const api::Pod& pod);

// Bytes a directory tree uses on disk (du: allocated blocks, one filesystem, hard links once).
uint64_t diskUsage(const std::string& dir);

// Mount points at or below `dir` in this mount namespace, deepest first (/proc/self/mountinfo).
std::vector<std::string> mountPointsUnder(const std::string& dir);

}  // namespace peapod::node
