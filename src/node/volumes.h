// Pod volumes on the host: emptyDir directories under the pod's data dir and hostPath checks.
#pragma once

#include <map>
#include <string>

#include "api/types.h"
#include "base/result.h"
#include "node/config.h"

namespace peapod::node {

// Creates every volume of the pod and returns volume name -> host path. hostPath types
// DirectoryOrCreate/FileOrCreate create what is missing; Directory/File must already exist.
Result<std::map<std::string, std::string>> prepareVolumes(const NodeConfig& config, const api::Pod& pod);

}  // namespace peapod::node
