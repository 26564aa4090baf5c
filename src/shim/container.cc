#include "shim/container.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "base/log.h"
#include "base/scope_exit.h"
#include "base/time.h"
#include "runtime/container_plan.h"
#include "runtime/container_spawn.h"
#include "runtime/security.h"
#include "sys/process.h"

namespace peapod::shim {
namespace {

using runtime::LogStream;

// mkdir -p of path's parent. The deepest dir first: usually only it (or nothing) is missing,
// and each mkdir of an existing ancestor costs a syscall on the pod-start path.
Status mkdirParents(const std::string& path) {
  size_t end = path.rfind('/');
  if (end == std::string::npos || end == 0) return {};
  std::string dir = path.substr(0, end);
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return {};
  if (errno != ENOENT) return Error::sys("mkdir", dir);
  PEAPOD_TRY(mkdirParents(dir));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Error::sys("mkdir", dir);
  return {};
}

Result<bool> isDirectory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Error::sys("stat", path);
  return S_ISDIR(st.st_mode);
}

std::string now() { return formatRfc3339Nano(WallClock::now()); }

// Pod-level sysctls, written through this process's /proc/sys: net.* land in the pod's network
// namespace and kernel.shm*/msg*/sem, fs.mqueue.* in its IPC namespace, which the shim holds.
Status writeSysctls(const std::vector<std::pair<std::string, std::string>>& sysctls) {
  for (const auto& [name, value] : sysctls) {
    std::string path = "/proc/sys/";
    for (char c : name) path += c == '.' ? '/' : c;
    sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open", path).wrap("sysctl " + name);
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
      return Error::sys("write", path).wrap("sysctl " + name + "=" + value);
    }
  }
  return {};
}

}  // namespace

Container::Container(const runtime::ContainerSpec& spec, const PodContext& pod) : pod_(pod), spec_(spec) {
  state_.name = spec.name;
  state_.logPath = spec.logPath;
}

Container::~Container() = default;

Result<std::unique_ptr<Container>> Container::start(const runtime::ContainerSpec& spec, const PodContext& pod) {
  const std::string context = "start container \"" + spec.name + "\"";
  PEAPOD_TRY(runtime::validateContainerName(spec.name));
  std::unique_ptr<Container> c(new Container(spec, pod));
  // 0. Who it runs as and what it may do (reads the image's passwd/group, compiles or reuses the
  //    seccomp program), and the pod-level settings every container carries.
  auto security = runtime::makeProcessSecurity(spec, c->seccomp_);
  if (!security.ok()) return std::move(security).error().wrap(context);
  c->security_ = std::move(*security);
  sys::SeccompProgram().swap(c->spec_.seccompBpf);  // security_ holds the one copy exec needs
  c->spec_.uid = c->security_.uid;
  c->spec_.gid = c->security_.gid;
  if (auto st = writeSysctls(spec.sysctls); !st.ok()) return std::move(st).error().wrap(context);
  if (!spec.podResources.empty()) {
    if (auto st = pod.cgroups->apply(pod.cgroupParent, spec.podResources); !st.ok()) {
      return std::move(st).error().wrap(context + ": pod cgroup limits");
    }
  }

  // 1. Log file (kubelet layout dirs may not exist yet).
  if (!spec.logPath.empty()) {
    if (auto st = mkdirParents(spec.logPath); !st.ok()) return std::move(st).error().wrap(context);
    c->log_.reset(::open(spec.logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!c->log_) return Error::sys("open", spec.logPath).wrap(context);
  }
  // 2. Cgroup, with its cgroup.procs held open for the child to join.
  const std::string cg = c->cgroupPath();
  if (auto st = pod.cgroups->create(cg); !st.ok()) return std::move(st).error().wrap(context);
  ScopeExit removeCgroup([&] { (void)pod.cgroups->remove(cg); });
  if (auto st = pod.cgroups->apply(cg, spec.resources); !st.ok()) return std::move(st).error().wrap(context + ": cgroup limits");
  auto procs = pod.cgroups->openProcs(cg);
  if (!procs.ok()) return std::move(procs).error().wrap(context);
  std::vector<int> procFds;
  for (const auto& fd : *procs) procFds.push_back(fd.get());

  // 3. Bidirectional volumes: clones of the host's mounts, attached by the child.
  std::vector<sys::UniqueFd> hostTrees;
  if (pod.mountNs) {
    if (auto st = openHostTrees(*pod.mountNs, c->spec_.mounts, hostTrees); !st.ok()) {
      return std::move(st).error().wrap(context);
    }
  }
  // 4. Scratch dir: the child mounts a tmpfs on it in its own mount namespace.
  auto plan = runtime::planContainer(c->spec_, pod.runDir, procFds, isDirectory, pod.cgroupMounts);
  if (!plan.ok()) return std::move(plan).error().wrap(context);
  c->scratchDir_ = plan->scratchDir;
  if (auto st = mkdirParents(plan->scratchDir + "/"); !st.ok()) return std::move(st).error().wrap(context);
  ScopeExit removeScratch([&] { ::rmdir(c->scratchDir_.c_str()); });

  // 5. Spawn; returns after exec (or with the failing step).
  auto proc = runtime::spawnContainer(spec, *plan, c->security_);
  for (auto& m : c->spec_.mounts) m.hostTreeFd = -1;  // the trees close with hostTrees
  if (!proc.ok()) return std::move(proc).error();
  c->state_.pid = proc->pid;
  c->state_.running = true;
  c->state_.startedAt = now();
  c->pidfd_ = std::move(proc->pidfd);
  c->out_ = std::move(proc->stdoutRead);
  c->err_ = std::move(proc->stderrRead);
  c->stdin_ = std::move(proc->stdinWrite);
  removeCgroup.cancel();
  removeScratch.cancel();
  return c;
}

void Container::writeRecord(LogStream s, std::string_view content, bool partial) {
  if (!log_) return;
  std::string rec = runtime::formatCriRecord(now(), s, partial, content);
  // O_APPEND and one write per record keep records whole; a full disk loses lines, not the pod.
  if (::write(log_.get(), rec.data(), rec.size()) < 0) log::warn("write " + state_.logPath + ": " + std::strerror(errno));
}

void Container::closeStream(LogStream s) {
  auto& split = s == LogStream::kStdout ? outSplit_ : errSplit_;
  split.finish([&](std::string_view c, bool p) { writeRecord(s, c, p); });
  (s == LogStream::kStdout ? out_ : err_).reset();
}

void Container::readOutput(LogStream s) {
  sys::UniqueFd& fd = s == LogStream::kStdout ? out_ : err_;
  auto& split = s == LogStream::kStdout ? outSplit_ : errSplit_;
  char buf[8192];
  // Bounded per wakeup so one chatty container cannot starve the loop; epoll re-reports the rest.
  for (int i = 0; i < 16 && fd; ++i) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      split.feed(std::string_view(buf, static_cast<size_t>(n)),
                 [&](std::string_view c, bool p) { writeRecord(s, c, p); });
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    closeStream(s);  // EOF or a hard error
  }
}

void Container::onExited(const siginfo_t& info) {
  // 1. Drain: the container was its PID namespace's init, so every writer is gone and the
  //    reads below end in EOF; EAGAIN means a writer outside the namespace still holds the
  //    pipe, and then we stop rather than wait.
  for (LogStream s : {LogStream::kStdout, LogStream::kStderr}) {
    while (outputFd(s) >= 0) {
      char buf[8192];
      ssize_t n = ::read(outputFd(s), buf, sizeof buf);
      if (n > 0) {
        auto& split = s == LogStream::kStdout ? outSplit_ : errSplit_;
        split.feed(std::string_view(buf, static_cast<size_t>(n)),
                   [&](std::string_view c, bool p) { writeRecord(s, c, p); });
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        closeStream(s);
      }
    }
  }
  // 2. Record.
  state_.running = false;
  state_.finishedAt = now();
  if (info.si_code == CLD_EXITED) {
    state_.exitCode = info.si_status;
    state_.signal = 0;
  } else {
    state_.signal = info.si_status;
    state_.exitCode = 128 + info.si_status;  // what a shell (and the kubelet's view) reports
  }
  // A process of this run killed by the kernel's OOM killer marks the run OOMKilled, whichever
  // process it was (containerd reports it from the cgroup's oom event the same way).
  if (auto kills = pod_.cgroups->oomKills(cgroupPath()); kills.ok() && *kills > 0) state_.oomKilled = true;
  log_.reset();
  pidfd_.reset();
  stdin_.reset();
  // 3. Clean up: the scratch tmpfs died with the mount namespace; its mount point and the
  //    cgroup remain. Without a PID namespace of its own (shareProcessNamespace, hostPID) the
  //    container's other processes outlive its main one: kill them, as runc does.
  ::rmdir(scratchDir_.c_str());
  if (!spec_.newPidNamespace) killRemainingProcesses();
  if (auto st = pod_.cgroups->remove(cgroupPath()); !st.ok()) log::warn(st.error().message());
}

void Container::killRemainingProcesses() {
  for (const auto& dir : pod_.cgroups->paths(cgroupPath())) {
    std::ifstream procs(dir + "/cgroup.procs");
    for (int pid; procs >> pid;) ::kill(pid, SIGKILL);
  }
}

Status Container::signal(int sig) {
  if (!running() || !pidfd_) return Error("container \"" + state_.name + "\" is not running");
  return sys::pidfdSignal(pidfd_.get(), sig);
}

Result<runtime::ExecProcess> Container::exec(const std::vector<std::string>& command, runtime::ExecRequest req) const {
  if (!running() || state_.pid <= 0) return Error("container \"" + state_.name + "\" is not running");
  PEAPOD_ASSIGN_OR_RETURN(std::vector<sys::UniqueFd> procs, pod_.cgroups->openProcs(cgroupPath()));
  req.targetPid = state_.pid;
  for (const auto& fd : procs) req.cgroupProcsFds.push_back(fd.get());
  req.command = command;
  req.env = spec_.env;
  req.workingDir = spec_.workingDir.empty() ? "/" : spec_.workingDir;
  req.uid = spec_.uid;
  req.gid = spec_.gid;
  req.security = &security_;
  auto p = runtime::spawnExec(req);
  if (!p.ok()) return std::move(p).error().wrap("exec in container \"" + state_.name + "\"");
  return p;
}

}  // namespace peapod::shim
