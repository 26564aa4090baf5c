#include "runtime/container_spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/child_exec.h"
#include "sys/process.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

namespace peapod::runtime {
namespace {

// Shared with the child through CLONE_VM: the parent reads it after the vfork returns.
struct ChildArgs {
  const ContainerPlan* plan;
  const ContainerSpec* spec;
  const ProcessSecurity* security;
  char* const* argv;
  char* const* envp;
  int stdoutWrite, stderrWrite;
  // Results written by a failing child before _exit(127).
  int failedStep = -1;  // index into plan->steps, or one of the kFail* codes below
  int err = 0;
  SecurityFailure securityFailure = SecurityFailure::kNone;
};

constexpr int kFailChdirWorkingDir = -2;
constexpr int kFailStdio = -3;
constexpr int kFailCredentials = -4;
constexpr int kFailExec = -5;

// Runs in the child on the clone stack, sharing the parent's memory: only syscalls on
// precomputed data here; no allocation, no locks, no exceptions.
int childMain(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);
  // The shim holds the pod: if it dies, its containers go with it instead of leaking.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const auto& steps = a->plan->steps;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    int r = 0;
    switch (s.op) {
      case StepOp::kWriteFd:
        r = ::write(s.fd, "0", 1) == 1 ? 0 : -1;
        break;
      case StepOp::kMount:
        r = ::mount(s.source.empty() ? nullptr : s.source.c_str(), s.target.c_str(),
                    s.fstype.empty() ? nullptr : s.fstype.c_str(), s.flags, s.data.empty() ? nullptr : s.data.c_str());
        break;
      case StepOp::kMkdir:
        r = ::mkdir(s.target.c_str(), s.mode);
        if (r != 0 && errno == EEXIST) r = 0;
        // mkdir applies the umask; /dev/shm style modes need the exact bits.
        if (r == 0 && (s.mode & 07000)) ::chmod(s.target.c_str(), s.mode);
        break;
      case StepOp::kTouch: {
        int fd = ::open(s.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, s.mode);
        r = fd < 0 ? -1 : ::close(fd);
        if (r != 0 && (errno == EEXIST || errno == EISDIR)) r = 0;
        break;
      }
      case StepOp::kMknod:
        r = ::mknod(s.target.c_str(), s.mode, s.dev);
        if (r != 0 && errno == EEXIST) r = 0;
        break;
      case StepOp::kSymlink:
        r = ::symlink(s.source.c_str(), s.target.c_str());
        if (r != 0 && errno == EEXIST) r = 0;
        break;
      case StepOp::kChdir:
        r = ::chdir(s.target.c_str());
        break;
      case StepOp::kUnshareCgroup:
        r = ::unshare(CLONE_NEWCGROUP);
        break;
      case StepOp::kMaskPath:
        // runc's maskPath: /dev/null over a file, an empty read-only tmpfs over a directory.
        r = ::mount(s.source.c_str(), s.target.c_str(), nullptr, MS_BIND, nullptr);
        if (r != 0 && errno == ENOTDIR) r = ::mount("tmpfs", s.target.c_str(), "tmpfs", MS_RDONLY, nullptr);
        if (r != 0 && errno == ENOENT) r = 0;
        break;
      case StepOp::kReadonlyPath:
        r = ::mount(s.target.c_str(), s.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
        if (r == 0) {
          r = ::mount(nullptr, s.target.c_str(), nullptr,
                      MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
        } else if (errno == ENOENT) {
          r = 0;
        }
        break;
      case StepOp::kPivotRoot:
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves
        // only the new root, with no put_old directory needed inside the image.
        r = static_cast<int>(::syscall(SYS_pivot_root, ".", "."));
        if (r == 0) r = ::umount2(".", MNT_DETACH);
        if (r == 0) r = ::chdir("/");
        break;
    }
    if (r != 0 && !s.optional) {
      a->failedStep = static_cast<int>(i);
      a->err = errno;
      ::_exit(127);
    }
  }
  if (::chdir(a->plan->workingDir.c_str()) != 0) {
    a->failedStep = kFailChdirWorkingDir;
    a->err = errno;
    ::_exit(127);
  }
  int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devNull < 0 || ::dup2(devNull, 0) < 0 || ::dup2(a->stdoutWrite, 1) < 0 || ::dup2(a->stderrWrite, 2) < 0) {
    a->failedStep = kFailStdio;
    a->err = errno;
    ::_exit(127);
  }
  if (SecurityFailure f = applyProcessSecurity(*a->security); f != SecurityFailure::kNone) {
    a->failedStep = kFailCredentials;
    a->securityFailure = f;
    a->err = errno;
    ::_exit(127);
  }
  resetSignals();
  int execErr = execFirst(a->plan->execPaths, a->argv, a->envp);
  a->failedStep = kFailExec;
  a->err = execErr;
  ::_exit(127);
}

std::string lowerStrerror(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Error childError(const ChildArgs& a) {
  const auto& cmd = a.spec->args[0];
  switch (a.failedStep) {
    case kFailChdirWorkingDir:
      return Error::sys("chdir", a.plan->workingDir, a.err);
    case kFailStdio:
      return Error::sys("set up stdio", "", a.err);
    case kFailCredentials:
      return Error::sys(securityFailureName(a.securityFailure),
                        std::to_string(a.security->uid) + ":" + std::to_string(a.security->gid), a.err);
    case kFailExec:
      // Worded like runc/Kubernetes so users recognise it.
      if (a.plan->searchedPath && a.err == ENOENT) {
        return Error("exec: \"" + cmd + "\": executable file not found in $PATH", a.err);
      }
      if (a.err == ENOENT) return Error("exec: \"" + cmd + "\": stat " + cmd + ": no such file or directory", a.err);
      return Error("exec: \"" + cmd + "\": " + lowerStrerror(a.err), a.err);
    default:
      if (a.failedStep >= 0 && static_cast<size_t>(a.failedStep) < a.plan->steps.size()) {
        return Error::sys(a.plan->steps[a.failedStep].what, "", a.err);
      }
      return Error("container process failed before exec");
  }
}

}  // namespace

Result<SpawnedProcess> spawnContainer(const ContainerSpec& spec, const ContainerPlan& plan,
                                      const ProcessSecurity& security) {
  const std::string context = "start container \"" + spec.name + "\"";
  int outPipe[2], errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) return Error::sys("pipe2").wrap(context);
  sys::UniqueFd outRead(outPipe[0]), outWrite(outPipe[1]);
  if (::pipe2(errPipe, O_CLOEXEC) != 0) return Error::sys("pipe2").wrap(context);
  sys::UniqueFd errRead(errPipe[0]), errWrite(errPipe[1]);

  std::vector<char*> argv, envp;
  for (const auto& s : spec.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const auto& s : spec.env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);

  ChildArgs args{&plan, &spec, &security, argv.data(), envp.data(), outWrite.get(), errWrite.get()};
  sys::CloneStack stack;
  if (!stack.ok()) return Error::sys("mmap", "clone stack").wrap(context);
  int pidfd = -1;
  int flags = CLONE_VM | CLONE_VFORK | CLONE_NEWNS | CLONE_PIDFD | SIGCHLD;
  if (spec.newPidNamespace) flags |= CLONE_NEWPID;  // else the shim's: hostPID or the pod's shared one
  int pid = ::clone(childMain, stack.top(), flags, &args, &pidfd);
  if (pid < 0) return Error::sys("clone").wrap(context);
  sys::UniqueFd pidfdOwner(pidfd);
  outWrite.reset();
  errWrite.reset();

  if (args.failedStep != -1) {
    (void)sys::pidfdWait(pidfdOwner.get(), WEXITED);  // reap the failed child
    return childError(args).wrap(context);
  }
  for (int fd : {outRead.get(), errRead.get()}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SpawnedProcess out;
  out.pid = pid;
  out.pidfd = std::move(pidfdOwner);
  out.stdoutRead = std::move(outRead);
  out.stderrRead = std::move(errRead);
  return out;
}

}  // namespace peapod::runtime
