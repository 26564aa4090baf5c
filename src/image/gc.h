// Image garbage collection policy: when the image filesystem is too full and how much to free
// (the kubelet's --image-gc-high-threshold / --image-gc-low-threshold).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "base/result.h"

namespace peapod::image {

struct DiskUsage {
  uint64_t capacity = 0;   // bytes of the filesystem
  uint64_t available = 0;  // bytes free for unprivileged use
};

// statvfs of the filesystem holding `path`.
Result<DiskUsage> diskUsage(const std::filesystem::path& path);

// Bytes to free when usage is at or above `highPercent`, to bring it down to `lowPercent`;
// nullopt when below (a high threshold of 100 disables GC, as in the kubelet).
std::optional<uint64_t> bytesToFree(const DiskUsage& usage, int highPercent, int lowPercent);

}  // namespace peapod::image
