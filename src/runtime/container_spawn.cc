#include "runtime/container_spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/child_exec.h"
#include "sys/process.h"
#include "sys/pty.h"

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
  int stdinRead = -1;  // -1: /dev/null
  int ttySlave = -1;   // a tty: stdin, stdout, stderr and the controlling terminal
  // Results written by a failing child before _exit(127).
  int failedStep = -1;  // index into plan->steps, or one of the kFail* codes below
  int err = 0;
  SecurityFailure securityFailure = SecurityFailure::kNone;
};

constexpr int kFailChdirWorkingDir = -2;
constexpr int kFailStdio = -3;
constexpr int kFailCredentials = -4;
constexpr int kFailExec = -5;

// In the child: fds 0-2 from the pipes or the pty (a new session whose controlling terminal it is).
bool setUpStdio(const ChildArgs& a) {
  if (a.ttySlave >= 0) {
    return ::setsid() >= 0 && ::ioctl(a.ttySlave, TIOCSCTTY, 0) == 0 && ::dup2(a.ttySlave, 0) >= 0 &&
           ::dup2(a.ttySlave, 1) >= 0 && ::dup2(a.ttySlave, 2) >= 0;
  }
  int in = a.stdinRead >= 0 ? a.stdinRead : ::open("/dev/null", O_RDWR | O_CLOEXEC);
  return in >= 0 && ::dup2(in, 0) >= 0 && ::dup2(a.stdoutWrite, 1) >= 0 && ::dup2(a.stderrWrite, 2) >= 0;
}

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
      case StepOp::kMoveMount:
        r = ::move_mount(s.fd, "", AT_FDCWD, s.target.c_str(), MOVE_MOUNT_F_EMPTY_PATH);
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
  if (!setUpStdio(*a)) {
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

// Both ends of the container's stdio: output pipes, or a pty for everything with `tty`; a stdin
// pipe with `stdin` (without, stdin is /dev/null).
struct ContainerStdio {
  sys::UniqueFd outRead, outWrite, errRead, errWrite, inRead, inWrite;
  sys::Pty pty;
};

Status addPipe(sys::UniqueFd& read, sys::UniqueFd& write) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::sys("pipe2");
  read.reset(fds[0]);
  write.reset(fds[1]);
  return {};
}

Result<ContainerStdio> makeStdio(const ContainerSpec& spec, const ProcessSecurity& security) {
  ContainerStdio io;
  if (spec.tty) {
    PEAPOD_ASSIGN_OR_RETURN(io.pty, sys::openPty());
    // The terminal belongs to the container's user, as runc sets it up.
    (void)::fchown(io.pty.slave.get(), security.uid, security.gid);
    io.inWrite.reset(::fcntl(io.pty.master.get(), F_DUPFD_CLOEXEC, 3));
    if (!io.inWrite) return Error::sys("dup", "pty master");
    return io;
  }
  PEAPOD_TRY(addPipe(io.outRead, io.outWrite));
  PEAPOD_TRY(addPipe(io.errRead, io.errWrite));
  if (spec.stdin) PEAPOD_TRY(addPipe(io.inRead, io.inWrite));
  return io;
}

}  // namespace

Result<SpawnedProcess> spawnContainer(const ContainerSpec& spec, const ContainerPlan& plan,
                                      const ProcessSecurity& security) {
  const std::string context = "start container \"" + spec.name + "\"";
  PEAPOD_ASSIGN_OR_RETURN(ContainerStdio io, makeStdio(spec, security));

  std::vector<char*> argv, envp;
  for (const auto& s : spec.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const auto& s : spec.env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);

  ChildArgs args{&plan, &spec, &security, argv.data(), envp.data(), io.outWrite.get(), io.errWrite.get(),
                 io.inRead.get(), io.pty.slave.get()};
  sys::CloneStack stack;
  if (!stack.ok()) return Error::sys("mmap", "clone stack").wrap(context);
  int pidfd = -1;
  int flags = CLONE_VM | CLONE_VFORK | CLONE_NEWNS | CLONE_PIDFD | SIGCHLD;
  if (spec.newPidNamespace) flags |= CLONE_NEWPID;  // else the shim's: hostPID or the pod's shared one
  int pid = ::clone(childMain, stack.top(), flags, &args, &pidfd);
  if (pid < 0) return Error::sys("clone").wrap(context);
  sys::UniqueFd pidfdOwner(pidfd);
  io.outWrite.reset();
  io.errWrite.reset();
  io.inRead.reset();
  io.pty.slave.reset();

  if (args.failedStep != -1) {
    (void)sys::pidfdWait(pidfdOwner.get(), WEXITED);  // reap the failed child
    return childError(args).wrap(context);
  }
  SpawnedProcess out;
  out.pid = pid;
  out.pidfd = std::move(pidfdOwner);
  out.stdoutRead = io.pty.master ? std::move(io.pty.master) : std::move(io.outRead);
  out.stderrRead = std::move(io.errRead);
  out.stdinWrite = std::move(io.inWrite);
  for (const auto* fd : {&out.stdoutRead, &out.stderrRead}) {
    if (*fd) ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  }
  return out;
}

}  // namespace peapod::runtime
