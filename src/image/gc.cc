// Image GC policy: disk usage via statvfs and the kubelet's threshold arithmetic.
#include "image/gc.h"

#include <sys/statvfs.h>

namespace peapod::image {

Result<DiskUsage> diskUsage(const std::filesystem::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return Error::sys("statvfs", path.string());
  return DiskUsage{static_cast<uint64_t>(st.f_blocks) * st.f_frsize, static_cast<uint64_t>(st.f_bavail) * st.f_frsize};
}

std::optional<uint64_t> bytesToFree(const DiskUsage& u, int highPercent, int lowPercent) {
  if (u.capacity == 0 || highPercent >= 100) return std::nullopt;
  uint64_t used = u.capacity - std::min(u.available, u.capacity);
  if (used * 100 < static_cast<uint64_t>(highPercent) * u.capacity) return std::nullopt;
  // kubelet: amountToFree = capacity*(100-low)/100 - available
  uint64_t target = u.capacity / 100 * static_cast<uint64_t>(100 - lowPercent);
  if (target <= u.available) return std::nullopt;
  return target - u.available;
}

}  // namespace peapod::image
