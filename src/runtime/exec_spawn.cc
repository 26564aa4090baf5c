#include "runtime/exec_spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

enum Fail { kNone = 0, kCgroup, kSetnsCgroup, kSetnsMount, kChdir, kStdio, kCredentials, kExec };

// Shared with the child through CLONE_VM; the parent reads the result after the vfork returns.
struct ChildArgs {
  const ExecRequest* req;
  const std::vector<std::string>* candidates;
  char* const* argv;
  char* const* envp;
  int cgroupNs, mountNs, stdinFd, stdoutFd, stderrFd;
  Fail failed = kNone;
  int err = 0;
};

// Runs on the clone stack sharing the shim's memory: syscalls on precomputed data only.
int childMain(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);
  auto fail = [a](Fail f) {
    a->failed = f;
    a->err = errno;
    ::_exit(127);
  };
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int fd : a->req->cgroupProcsFds) {
    if (::write(fd, "0", 1) != 1) fail(kCgroup);
  }
  // After joining the cgroup, so /proc/self/cgroup reads "/" as it does for the main process.
  if (::setns(a->cgroupNs, CLONE_NEWCGROUP) != 0) fail(kSetnsCgroup);
  // Also moves root and cwd to the container's root (the namespace's root after pivot_root).
  if (::setns(a->mountNs, CLONE_NEWNS) != 0) fail(kSetnsMount);
  // A group of its own: a timeout or a gone client kills what it forked too. A terminal needs a
  // session (which is also a group) to become its controlling terminal.
  if (a->req->tty) ::setsid();
  else ::setpgid(0, 0);
  if (::chdir(a->req->workingDir.c_str()) != 0) fail(kChdir);
  if (::dup2(a->stdinFd, 0) < 0 || ::dup2(a->stdoutFd, 1) < 0 || ::dup2(a->stderrFd, 2) < 0) fail(kStdio);
  if (a->req->tty && ::ioctl(0, TIOCSCTTY, 0) != 0) fail(kStdio);
  if (a->req->security ? applyProcessSecurity(*a->req->security) != SecurityFailure::kNone
                       : !dropToUser(a->req->uid, a->req->gid)) {
    fail(kCredentials);
  }
  resetSignals();
  errno = execFirst(*a->candidates, a->argv, a->envp);
  fail(kExec);
  return 127;
}

Error childError(const ChildArgs& a) {
  const std::string& cmd = a.req->command[0];
  switch (a.failed) {
    case kCgroup: return Error::sys("join cgroup", "", a.err);
    case kSetnsCgroup: return Error::sys("setns", "cgroup namespace", a.err);
    case kSetnsMount: return Error::sys("setns", "mount namespace", a.err);
    case kChdir: return Error::sys("chdir", a.req->workingDir, a.err);
    case kStdio: return Error::sys("set up stdio", "", a.err);
    case kCredentials:
      return Error::sys("set uid/gid", std::to_string(a.req->uid) + ":" + std::to_string(a.req->gid), a.err);
    default:
      if (a.err == ENOENT && cmd.find('/') == std::string::npos) {
        return Error("exec: \"" + cmd + "\": executable file not found in $PATH", a.err);
      }
      return Error("exec: \"" + cmd + "\": " + std::strerror(a.err), a.err);
  }
}

}  // namespace

std::vector<std::string> execCandidates(const std::string& arg0, const std::vector<std::string>& env) {
  if (arg0.find('/') != std::string::npos) return {arg0};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    out.push_back((dir.empty() ? "." : dir) + "/" + arg0);
    start = end + 1;
  }
  return out;
}

Result<ExecProcess> spawnExec(const ExecRequest& req) {
  if (req.command.empty() || req.command[0].empty()) return Error("exec: empty command");
  const std::string proc = "/proc/" + std::to_string(req.targetPid);
  sys::UniqueFd cgroupNs(::open((proc + "/ns/cgroup").c_str(), O_RDONLY | O_CLOEXEC));
  if (!cgroupNs) return Error::sys("open", proc + "/ns/cgroup");
  sys::UniqueFd mountNs(::open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mountNs) return Error::sys("open", proc + "/ns/mnt");
  sys::UniqueFd pidNs(::open((proc + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
  if (!pidNs) return Error::sys("open", proc + "/ns/pid");
  sys::UniqueFd ownPidNs(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!ownPidNs) return Error::sys("open", "/proc/self/ns/pid");
  sys::UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) return Error::sys("open", "/dev/null");
  sys::UniqueFd outRead, outWrite;
  if (!req.streams) {
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) return Error::sys("pipe2");
    outRead.reset(pipeFds[0]);
    outWrite.reset(pipeFds[1]);
  }
  // dup2 onto 0..2 in turn must not clobber a source: lift any low fd out of the way first.
  std::vector<sys::UniqueFd> lifted;
  auto or_ = [&devNull, &lifted](int fd) {
    if (fd < 0) return devNull.get();
    if (fd > 2) return fd;
    lifted.emplace_back(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    return lifted.back().get();
  };
  int childIn = req.streams ? or_(req.stdinFd) : devNull.get();
  int childOut = req.streams ? or_(req.stdoutFd) : outWrite.get();
  int childErr = req.streams ? or_(req.stderrFd) : outWrite.get();

  std::vector<std::string> candidates = execCandidates(req.command[0], req.env);
  std::vector<char*> argv, envp;
  for (const auto& s : req.command) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const auto& s : req.env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);
  ChildArgs args{&req, &candidates, argv.data(), envp.data(), cgroupNs.get(), mountNs.get(), childIn, childOut, childErr};

  sys::CloneStack stack;
  if (!stack.ok()) return Error::sys("mmap", "clone stack");
  // setns(CLONE_NEWPID) only changes where the shim's next child is born; the shim is
  // single-threaded, so switching it for one clone and back is safe.
  if (::setns(pidNs.get(), CLONE_NEWPID) != 0) return Error::sys("setns", "container PID namespace");
  int pidfd = -1;
  int pid = ::clone(childMain, stack.top(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &args, &pidfd);
  int cloneErr = errno;
  if (::setns(ownPidNs.get(), CLONE_NEWPID) != 0) {
    // Later containers would nest in this one's PID namespace: better to die loudly.
    ::perror("setns back to the shim's PID namespace");
    ::abort();
  }
  if (pid < 0) return Error::sys("clone", "exec", cloneErr);
  sys::UniqueFd pidfdOwner(pidfd);
  outWrite.reset();
  if (args.failed != kNone) {
    (void)sys::pidfdWait(pidfdOwner.get(), WEXITED);
    return childError(args);
  }
  if (outRead) ::fcntl(outRead.get(), F_SETFL, ::fcntl(outRead.get(), F_GETFL) | O_NONBLOCK);
  ExecProcess out;
  out.pid = pid;
  out.pidfd = std::move(pidfdOwner);
  out.output = std::move(outRead);
  return out;
}

}  // namespace peapod::runtime
