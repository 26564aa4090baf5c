// Bidirectional mountPropagation through open_tree in the host's mount namespace.
#include "shim/host_mounts.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sys/mountinfo.h"

namespace peapod::shim {
namespace {

// In the host's namespace: the source must sit on a shared mount, else nothing would propagate.
Result<sys::UniqueFd> cloneHostTree(const std::string& source) {
  char real[PATH_MAX];
  if (!::realpath(source.c_str(), real)) return Error::sys("realpath", source);
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  auto mounts = sys::parseMountInfo(text.str());
  const sys::MountInfo* m = sys::mountOf(mounts, real);
  if (!m) return Error("path \"" + source + "\" is not on any mount");
  if (!m->shared()) {
    return Error("path \"" + source + "\" is mounted on \"" + m->mountPoint + "\" but it is not a shared mount");
  }
  sys::UniqueFd tree(::open_tree(AT_FDCWD, real, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) return Error::sys("open_tree", real);
  return tree;
}

}  // namespace

Status openHostTrees(const MountNamespaces& ns, std::vector<runtime::BindMount>& mounts,
                     std::vector<sys::UniqueFd>& trees) {
  bool any = false;
  for (const auto& m : mounts) any = any || m.propagation == "Bidirectional";
  if (!any) return {};
  if (!ns.host || !ns.pod) return Error("Bidirectional mount propagation: the host's mount namespace is not available");
  if (::setns(ns.host.get(), CLONE_NEWNS) != 0) return Error::sys("setns", "host mount namespace");
  Status result;
  for (auto& m : mounts) {
    if (m.propagation != "Bidirectional") continue;
    auto tree = cloneHostTree(m.source);
    if (!tree.ok()) {
      result = std::move(tree).error().wrap("Bidirectional mount of " + m.target);
      break;
    }
    m.hostTreeFd = tree->get();
    trees.push_back(std::move(*tree));
  }
  if (::setns(ns.pod.get(), CLONE_NEWNS) != 0) {
    ::perror("setns back to the pod's mount namespace");
    ::abort();
  }
  return result;
}

}  // namespace peapod::shim
