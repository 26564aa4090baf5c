// The precomputed setup of a container's child: a flat list of syscall steps built in the parent
// so the vfork-style child only walks it (no allocation, no path logic after clone).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/spec.h"
#include "sys/cgroup.h"

namespace peapod::runtime {

enum class StepOp {
  kWriteFd,    // write(fd, "0"): join a cgroup through its pre-opened cgroup.procs
  kMount,      // mount(source, target, fstype, flags, data)
  kMkdir,      // mkdir(target, mode); EEXIST is fine
  kTouch,      // create an empty file at target (a bind-mount point); EEXIST is fine
  kMknod,      // mknod(target, mode, dev)
  kSymlink,    // symlink(source, target); EEXIST is fine
  kChdir,      // chdir(target)
  kPivotRoot,  // pivot_root(".", ".") then umount2(".", MNT_DETACH): needs no put_old dir
  kUnshareCgroup,  // unshare(CLONE_NEWCGROUP) after joining the cgroups: they become its root
  kMaskPath,       // bind source (/dev/null) on target; a directory gets a read-only tmpfs; ENOENT is fine
  kReadonlyPath,   // bind target on itself and remount it read-only; ENOENT is fine
  kMoveMount,      // move_mount(fd, "", target, F_EMPTY_PATH): attach a detached tree (open_tree)
};

struct Step {
  StepOp op;
  std::string source, target, fstype, data;
  unsigned long flags = 0;
  mode_t mode = 0;
  dev_t dev = 0;
  int fd = -1;
  bool optional = false;  // failure is ignored (e.g. sysfs in restricted environments)
  std::string what;       // the failing step in errors: "mount overlay on /run/x/rootfs"
};

// Everything the child needs, as owned strings; argv/envp pointer arrays are built from it.
struct ContainerPlan {
  std::vector<Step> steps;             // up to and including pivot_root
  std::string workingDir;              // chdir'd after pivot_root
  std::vector<std::string> execPaths;  // candidates tried in order (PATH resolution)
  bool searchedPath = false;           // args[0] had no '/'
  std::string scratchDir;              // <runDir>/containers/<name>; a tmpfs in the child
};

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Builds the plan. `bindSourceIsDir(source)` tells whether a bind source is a directory (a
// seam so unit tests need no real files); cgroupProcsFds are written "0" first. With
// `cgroupMounts`, the child gets a cgroup namespace rooted at its cgroups and sees them at
// /sys/fs/cgroup (read-only unless privileged), as runc does with cgroupns.
Result<ContainerPlan> planContainer(const ContainerSpec& spec, const std::string& runDir,
                                    const std::vector<int>& cgroupProcsFds,
                                    const std::function<Result<bool>(const std::string&)>& bindSourceIsDir,
                                    const std::vector<sys::CgroupHierarchy>* cgroupMounts = nullptr);

// A container name usable as a path component and cgroup name.
Status validateContainerName(const std::string& name);

}  // namespace peapod::runtime
