#include "runtime/container_plan.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cctype>
#include <functional>

namespace peapod::runtime {
namespace {

// Normalises an absolute in-container path: drops ".", empty parts; rejects "..".
Result<std::vector<std::string>> splitContainerPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return Error("path must be absolute: \"" + path + "\"");
  std::vector<std::string> parts;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string part = path.substr(pos, next - pos);
    if (part == "..") return Error("path must not contain \"..\": \"" + path + "\"");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    pos = next + 1;
  }
  return parts;
}

class PlanBuilder {
 public:
  explicit PlanBuilder(ContainerPlan& plan) : plan_(plan) {}

  void mount(std::string source, std::string target, std::string fstype, unsigned long flags, std::string data,
             bool optional = false) {
    std::string what = "mount " + (fstype.empty() ? std::string(flags & MS_BIND ? "bind" : "remount") : fstype) +
                       " on " + target;
    add({StepOp::kMount, std::move(source), std::move(target), std::move(fstype), std::move(data), flags, 0, 0, -1,
         optional, std::move(what)});
  }
  void mkdir(std::string target, mode_t mode = 0755, bool optional = false) {
    std::string what = "mkdir " + target;
    add({StepOp::kMkdir, "", std::move(target), "", "", 0, mode, 0, -1, optional, std::move(what)});
  }
  // mkdir -p of root + each component of parts[0..n).
  void mkdirAll(const std::string& root, const std::vector<std::string>& parts, size_t n) {
    std::string p = root;
    for (size_t i = 0; i < n; ++i) {
      p += "/" + parts[i];
      mkdir(p);
    }
  }
  void touch(std::string target) {
    std::string what = "create mount point " + target;
    add({StepOp::kTouch, "", std::move(target), "", "", 0, 0644, 0, -1, false, std::move(what)});
  }
  void mknod(std::string target, unsigned major, unsigned minor) {
    std::string what = "mknod " + target;
    add({StepOp::kMknod, "", std::move(target), "", "", 0, S_IFCHR | 0666, makedev(major, minor), -1, false,
         std::move(what)});
  }
  void symlink(std::string source, std::string target) {
    std::string what = "symlink " + target;
    add({StepOp::kSymlink, std::move(source), std::move(target), "", "", 0, 0, 0, -1, false, std::move(what)});
  }
  void op(StepOp o, std::string target, std::string what, int fd = -1, std::string source = "") {
    add({o, std::move(source), std::move(target), "", "", 0, 0, 0, fd, false, std::move(what)});
  }

 private:
  void add(Step s) { plan_.steps.push_back(std::move(s)); }
  ContainerPlan& plan_;
};

std::string envValue(const std::vector<std::string>& env, const std::string& key, const std::string& fallback) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {  // the last definition wins
    if (it->size() > key.size() && it->compare(0, key.size(), key) == 0 && (*it)[key.size()] == '=') {
      return it->substr(key.size() + 1);
    }
  }
  return fallback;
}

}  // namespace

Status validateContainerName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name == "." || name == "..") {
    return Error("invalid container name \"" + name + "\"");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return Error("invalid container name \"" + name + "\"");
    }
  }
  return {};
}

Result<ContainerPlan> planContainer(const ContainerSpec& spec, const std::string& runDir,
                                    const std::vector<int>& cgroupProcsFds,
                                    const std::function<Result<bool>(const std::string&)>& bindSourceIsDir,
                                    const std::vector<sys::CgroupHierarchy>* cgroupMounts) {
  PEAPOD_TRY(validateContainerName(spec.name));
  if (spec.rootfsLayers.empty()) return Error("no rootfs layers");
  if (spec.args.empty() || spec.args[0].empty()) return Error("no command");
  ContainerPlan plan;
  PlanBuilder b(plan);
  for (int fd : cgroupProcsFds) b.op(StepOp::kWriteFd, "", "join cgroup", fd);
  if (cgroupMounts) b.op(StepOp::kUnshareCgroup, "", "unshare cgroup namespace");

  // 1. A tmpfs holds upper/, work/ and rootfs/: the writable layer and every mount below die
  //    with the container's mount namespace, so nothing needs cleaning up afterwards.
  plan.scratchDir = runDir + "/containers/" + spec.name;
  const std::string root = plan.scratchDir + "/rootfs";
  b.mount("tmpfs", plan.scratchDir, "tmpfs", MS_NOSUID, "mode=0755");
  b.mkdir(plan.scratchDir + "/upper");
  b.mkdir(plan.scratchDir + "/work");
  b.mkdir(root);

  // 2. overlay wants lowerdir top-first; the spec lists the base layer first.
  std::string lower;
  for (auto it = spec.rootfsLayers.rbegin(); it != spec.rootfsLayers.rend(); ++it) {
    if (it->find_first_of(",:") != std::string::npos) return Error("layer path contains ',' or ':': " + *it);
    if (!lower.empty()) lower += ':';
    lower += *it;
  }
  std::string ovl = "lowerdir=" + lower + ",upperdir=" + plan.scratchDir + "/upper,workdir=" + plan.scratchDir + "/work";
  if (ovl.size() >= 4096) return Error("overlay options exceed one page (" + std::to_string(ovl.size()) + " bytes)");
  b.mount("overlay", root, "overlay", 0, ovl);

  // 3. Kernel filesystems and a minimal /dev (runc's default set).
  b.mkdir(root + "/proc");
  b.mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  b.mkdir(root + "/dev");
  b.mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  struct Dev { const char* name; unsigned major, minor; };
  for (const Dev& d : {Dev{"null", 1, 3}, Dev{"zero", 1, 5}, Dev{"full", 1, 7}, Dev{"random", 1, 8},
                       Dev{"urandom", 1, 9}, Dev{"tty", 5, 0}}) {
    b.mknod(root + "/dev/" + d.name, d.major, d.minor);
  }
  b.mkdir(root + "/dev/pts");
  b.mount("devpts", root + "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  b.symlink("pts/ptmx", root + "/dev/ptmx");
  b.symlink("/proc/self/fd", root + "/dev/fd");
  b.symlink("/proc/self/fd/0", root + "/dev/stdin");
  b.symlink("/proc/self/fd/1", root + "/dev/stdout");
  b.symlink("/proc/self/fd/2", root + "/dev/stderr");
  b.mkdir(root + "/dev/shm", 01777);
  b.mount(runDir + "/shm", root + "/dev/shm", "", MS_BIND, "");
  b.mkdir(root + "/dev/mqueue");
  b.mount("mqueue", root + "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", /*optional=*/true);
  b.mkdir(root + "/sys");
  const unsigned long ro = spec.privileged ? 0 : MS_RDONLY;
  b.mount("sysfs", root + "/sys", "sysfs", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", /*optional=*/true);
  if (cgroupMounts && !cgroupMounts->empty()) {
    // All optional: without sysfs (restricted environments) there is no mount point.
    const std::string cg = root + "/sys/fs/cgroup";
    const unsigned long flags = ro | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    bool v1 = !(cgroupMounts->size() == 1 && cgroupMounts->front().name.empty());
    if (v1) b.mount("tmpfs", cg, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", true);
    for (const auto& h : *cgroupMounts) {
      std::string target = h.name.empty() ? cg : cg + "/" + h.name;
      if (!h.name.empty()) b.mkdir(target, 0555, /*optional=*/true);
      b.mount(h.fstype, target, h.fstype, flags, h.data, true);
    }
    if (v1 && ro) b.mount("", cg, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", true);
  }
  // runc's masked and read-only paths (the daemon leaves them empty for privileged containers).
  for (const auto& p : spec.maskedPaths) {
    auto parts = splitContainerPath(p);
    if (!parts.ok() || parts->empty()) return Error("masked path \"" + p + "\" is not absolute");
    b.op(StepOp::kMaskPath, root + p, "mask " + p, -1, root + "/dev/null");
  }
  for (const auto& p : spec.readonlyPaths) {
    auto parts = splitContainerPath(p);
    if (!parts.ok() || parts->empty()) return Error("read-only path \"" + p + "\" is not absolute");
    b.op(StepOp::kReadonlyPath, root + p, "make " + p + " read-only");
  }

  // 4. Volumes and the daemon's /etc files. Later mounts may sit on earlier ones (subPaths).
  for (const auto& m : spec.mounts) {
    auto parts = splitContainerPath(m.target);
    if (!parts.ok()) return std::move(parts).error().wrap("mount");
    if (parts->empty()) return Error("mount: cannot mount over /");
    auto isDir = bindSourceIsDir(m.source);
    if (!isDir.ok()) return std::move(isDir).error().wrap("mount " + m.source);
    b.mkdirAll(root, *parts, parts->size() - 1);
    std::string target = root;
    for (const auto& p : *parts) target += "/" + p;
    if (*isDir) b.mkdir(target);
    else b.touch(target);
    if (m.hostTreeFd >= 0) b.op(StepOp::kMoveMount, target, "attach the host's " + m.source, m.hostTreeFd);
    else b.mount(m.source, target, "", MS_BIND | MS_REC, "");
    if (m.readOnly) b.mount("", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
    // mountPropagation. The pod's mount namespace is a slave of the host's, so a bind starts out
    // as a slave: None makes it private, HostToContainer keeps it a slave (host mounts made
    // later appear inside). Bidirectional needs a peer of the host's mount, which no bind from
    // the pod's namespace can give: the shim clones it in the host's namespace (hostTreeFd).
    unsigned long propagation = m.propagation == "HostToContainer" ? MS_SLAVE
                                : m.propagation == "Bidirectional" ? MS_SHARED
                                                                   : MS_PRIVATE;
    b.mount("", target, "", MS_REC | propagation, "");
  }

  // 5. The working directory, then switch roots.
  auto wd = splitContainerPath(spec.workingDir);
  if (!wd.ok()) return std::move(wd).error().wrap("workingDir");
  b.mkdirAll(root, *wd, wd->size());
  plan.workingDir = "/";
  for (size_t i = 0; i < wd->size(); ++i) plan.workingDir += (i ? "/" : "") + (*wd)[i];
  // Mount points exist by now; volumes below stay writable (their own mounts).
  if (spec.readOnlyRootfs) b.mount("", root, "", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
  b.op(StepOp::kChdir, root, "chdir " + root);
  b.op(StepOp::kPivotRoot, root, "pivot_root " + root);

  // 6. Executable candidates, resolved inside the new root like execvp does.
  const std::string& cmd = spec.args[0];
  if (cmd.find('/') != std::string::npos) {
    plan.execPaths.push_back(cmd);
  } else {
    plan.searchedPath = true;
    std::string path = envValue(spec.env, "PATH", kDefaultPath);
    size_t pos = 0;
    while (pos <= path.size()) {
      size_t next = path.find(':', pos);
      if (next == std::string::npos) next = path.size();
      std::string dir = path.substr(pos, next - pos);
      if (dir.empty()) dir = ".";
      plan.execPaths.push_back(dir + "/" + cmd);
      pos = next + 1;
    }
  }
  return plan;
}

}  // namespace peapod::runtime
