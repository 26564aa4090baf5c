// The kubelet's AtomicWriter: the files of a configMap, secret, downwardAPI or projected volume,
// replaced all at once so a running container never sees a half-updated set.
//
// Layout inside the volume directory:
//   ..2026_11_22_20_40_17.123456789/<path>   the current payload (a fresh directory per update)
//   ..data -> ..2026_11_22_20_40_17.123456789 swapped with rename(2), which is atomic
//   <first path component> -> ..data/<first path component>   what users open
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>

#include "base/result.h"

namespace peapod::node {

struct FileProjection {
  std::string data;
  mode_t mode = 0644;
  bool operator==(const FileProjection&) const = default;
};

// Relative path ("dir/key") -> content and mode.
using Payload = std::map<std::string, FileProjection>;

// Brings `dir` (created if missing) to exactly `payload`. Returns false when the payload was
// already in place (nothing written), true when it changed. Paths must be relative, without
// "..", and not start with ".." (validation guarantees it; this re-checks).
Result<bool> writeAtomic(const std::filesystem::path& dir, const Payload& payload);

// What is in place now (read through ..data), for comparisons and tests.
Result<Payload> readAtomic(const std::filesystem::path& dir);

}  // namespace peapod::node
