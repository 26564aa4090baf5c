// One cgroup interface over v1 (one hierarchy per controller) and v2 (unified), youki-style.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::sys {

// Resource limits for a cgroup in runtime terms (the OCI LinuxResources subset peapod uses);
// an unset field leaves the kernel's value alone.
struct CgroupLimits {
  std::optional<int64_t> memoryBytes;   // hard limit
  std::optional<uint64_t> cpuShares;    // v1 shares, 2..262144 (v2 weight is derived)
  std::optional<int64_t> cpuQuotaUs;    // per period; -1 = unlimited
  std::optional<uint64_t> cpuPeriodUs;  // default 100000 when a quota is set
  std::optional<int64_t> pidsMax;       // -1 = unlimited
  bool empty() const { return !memoryBytes && !cpuShares && !cpuQuotaUs && !cpuPeriodUs && !pidsMax; }
  bool operator==(const CgroupLimits&) const = default;
};

// One write of a limit: the controller whose hierarchy holds the file (v1), the file, the value.
struct CgroupWrite {
  std::string controller, file, value;
  bool operator==(const CgroupWrite&) const = default;
};

// The files and values for `limits`, in the order they must be written. v1: memory.limit_in_bytes,
// cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us, pids.max; v2: memory.max, cpu.weight (from
// shares by runc's formula), cpu.max ("quota period"), pids.max.
std::vector<CgroupWrite> cgroupWrites(const CgroupLimits& limits, bool v2);

// runc's conversion of cgroup v1 cpu.shares [2, 262144] to cgroup v2 cpu.weight [1, 10000].
uint64_t cpuSharesToWeight(uint64_t shares);

// A cgroup filesystem mounted under the root, as a container should see it: the mount point's
// name below the root ("memory", "cpu,cpuacct", "unified" or "" for a v2 root), the fs type and
// the mount data that selects the same hierarchy ("memory", "name=systemd").
struct CgroupHierarchy {
  std::string name, fstype, data;
  bool operator==(const CgroupHierarchy&) const = default;
};

// Parses /proc/self/mountinfo text for the cgroup/cgroup2 mounts directly under `root`.
std::vector<CgroupHierarchy> parseCgroupMounts(const std::string& mountinfo, const std::string& root);
// The same from the live /proc/self/mountinfo.
Result<std::vector<CgroupHierarchy>> cgroupHierarchies(const std::string& root = "/sys/fs/cgroup");

// Manages cgroups named by a path relative to the controller roots ("peapod/pod1/web").
class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  virtual bool isV2() const = 0;
  // Creates the cgroup (and missing parents) in every managed hierarchy; on v2 it also enables
  // the cpu, memory and pids controllers for the children of each new level.
  virtual Status create(const std::string& relPath) = 0;
  // Opens cgroup.procs of the cgroup in every hierarchy (O_WRONLY|O_CLOEXEC), so a child can
  // join by writing "0" to each without any path work.
  virtual Result<std::vector<UniqueFd>> openProcs(const std::string& relPath) = 0;
  // Moves a process into the cgroup.
  virtual Status addProcess(const std::string& relPath, int pid) = 0;
  // Writes the limits (cgroupWrites) into the cgroup; a controller this node lacks is skipped.
  virtual Status apply(const std::string& relPath, const CgroupLimits& limits) = 0;
  // How many processes the kernel's OOM killer killed in this cgroup (memory.oom_control or
  // memory.events "oom_kill"); 0 when the memory controller is not managed.
  virtual Result<uint64_t> oomKills(const std::string& relPath) const = 0;
  // Removes the cgroup directory in every hierarchy; missing ones are fine. Retries EBUSY
  // briefly (the kernel frees a cgroup slightly after its last task is reaped).
  virtual Status remove(const std::string& relPath) = 0;
  // The absolute directories this cgroup lives at (one per hierarchy).
  virtual std::vector<std::string> paths(const std::string& relPath) const = 0;
};

// Detects the layout under root: v2 when root itself is a cgroup2 mount, otherwise the v1
// hierarchies among cpu, cpuacct, memory, pids mounted as root/<controller>.
Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const std::string& root = "/sys/fs/cgroup");

// A manager over explicit hierarchy directories (tests point it at temp dirs). For v1 the
// controllers of a hierarchy are its directory's name split at ',' ("cpu,cpuacct").
std::unique_ptr<CgroupManager> makeCgroupManagerForDirs(std::vector<std::string> hierarchyRoots, bool v2);

}  // namespace peapod::sys
