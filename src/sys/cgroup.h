// One cgroup interface over v1 (one hierarchy per controller) and v2 (unified), youki-style.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::sys {

// Resource limits for a cgroup; applied by CgroupManager::apply (filled in by a later issue).
struct CgroupLimits {};

// Manages cgroups named by a path relative to the controller roots ("peapod/pod1/web").
class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  virtual bool isV2() const = 0;
  // Creates the cgroup (and missing parents) in every managed hierarchy.
  virtual Status create(const std::string& relPath) = 0;
  // Opens cgroup.procs of the cgroup in every hierarchy (O_WRONLY|O_CLOEXEC), so a child can
  // join by writing "0" to each without any path work.
  virtual Result<std::vector<UniqueFd>> openProcs(const std::string& relPath) = 0;
  // Moves a process into the cgroup.
  virtual Status addProcess(const std::string& relPath, int pid) = 0;
  virtual Status apply(const std::string& relPath, const CgroupLimits& limits) = 0;
  // Removes the cgroup directory in every hierarchy; missing ones are fine. Retries EBUSY
  // briefly (the kernel frees a cgroup slightly after its last task is reaped).
  virtual Status remove(const std::string& relPath) = 0;
  // The absolute directories this cgroup lives at (one per hierarchy).
  virtual std::vector<std::string> paths(const std::string& relPath) const = 0;
};

// Detects the layout under root: v2 when root itself is a cgroup2 mount, otherwise the v1
// hierarchies among cpu, cpuacct, memory, pids mounted as root/<controller>.
Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const std::string& root = "/sys/fs/cgroup");

// A manager over explicit hierarchy directories (tests point it at temp dirs).
std::unique_ptr<CgroupManager> makeCgroupManagerForDirs(std::vector<std::string> hierarchyRoots, bool v2);

}  // namespace peapod::sys
