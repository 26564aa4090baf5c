// Spawning a container's main process: vfork-style clone into new mount and PID namespaces.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/child_exec.h"
#include "runtime/container_plan.h"
#include "runtime/spec.h"
#include "sys/unique_fd.h"

namespace peapod::runtime {

struct SpawnedProcess {
  int pid = 0;             // in the caller's PID namespace
  sys::UniqueFd pidfd;
  // O_NONBLOCK|O_CLOEXEC read ends of the output pipes. With a tty, stdoutRead is the pty master
  // (stdout and stderr both) and stderrRead is unset.
  sys::UniqueFd stdoutRead, stderrRead;
  // spec.stdin: the write end of the process's stdin pipe; with a tty, a dup of the master.
  sys::UniqueFd stdinWrite;
};

// Clones the container process with CLONE_VM|CLONE_VFORK|CLONE_NEWNS|CLONE_NEWPID|CLONE_PIDFD;
// the child walks plan.steps, applies `security` (user, groups, capabilities, no_new_privs,
// seccomp) and execs. Returns once the child has exec'd; a failing step comes back as an Error
// naming it (and the child is reaped).
Result<SpawnedProcess> spawnContainer(const ContainerSpec& spec, const ContainerPlan& plan,
                                      const ProcessSecurity& security);

}  // namespace peapod::runtime
