// Spawning a process inside a running container (the shim's "exec" op): it joins the container's
// cgroup and its cgroup, mount and PID namespaces (the pod's net/IPC/UTS are the shim's own) and
// runs with the container's working dir, environment and user.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/child_exec.h"
#include "sys/unique_fd.h"

namespace peapod::runtime {

struct ExecRequest {
  int targetPid = 0;                 // the container's main process (not reaped while running)
  std::vector<int> cgroupProcsFds;   // the container's cgroup.procs, open O_WRONLY
  std::vector<std::string> command;  // argv; command[0] without '/' is searched in the env's PATH
  std::vector<std::string> env;      // "K=V", the container's environment
  std::string workingDir = "/";
  uint32_t uid = 0, gid = 0;
  // The container's user, groups, capabilities, no_new_privs and seccomp (security owner); when
  // set it replaces uid/gid. Must outlive spawnExec.
  const ProcessSecurity* security = nullptr;
  // Stream mode (kubectl exec): the process's own stdio instead of the capture pipe; -1 is
  // /dev/null. With tty, stdinFd is a pty slave: the process leads a new session with it as the
  // controlling terminal.
  bool streams = false;
  int stdinFd = -1, stdoutFd = -1, stderrFd = -1;
  bool tty = false;
};

struct ExecProcess {
  int pid = 0;  // in the shim's PID namespace; also its process group (kill(-pid) reaches its children)
  sys::UniqueFd pidfd;
  sys::UniqueFd output;  // O_NONBLOCK|O_CLOEXEC read end of the combined stdout+stderr pipe (not in stream mode)
};

// The paths execve tries for argv[0], given the environment's PATH (the runc rules).
std::vector<std::string> execCandidates(const std::string& arg0, const std::vector<std::string>& env);

// Clones the process (vfork-style, so it returns once the child has exec'd or failed); a failing
// step comes back as an Error naming it, worded like runc for a missing executable.
Result<ExecProcess> spawnExec(const ExecRequest& req);

}  // namespace peapod::runtime
