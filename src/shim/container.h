// One container as the shim tracks it: its process, output pipes, CRI log file and state.
#pragma once

#include <signal.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "runtime/child_exec.h"
#include "runtime/cri_log.h"
#include "runtime/exec_spawn.h"
#include "runtime/spec.h"
#include "shim/host_mounts.h"
#include "sys/cgroup.h"
#include "sys/unique_fd.h"

namespace peapod::shim {

// What containers of one pod share.
struct PodContext {
  std::string runDir;
  std::string cgroupParent;
  sys::CgroupManager* cgroups = nullptr;
  // The cgroup filesystems a container sees at /sys/fs/cgroup (read once by the shim); null =
  // no cgroup namespace and no cgroup mounts.
  const std::vector<sys::CgroupHierarchy>* cgroupMounts = nullptr;
  // The host's and the pod's mount namespaces (Bidirectional mounts); null = none.
  const MountNamespaces* mountNs = nullptr;
};

class Container {
 public:
  // Creates the cgroup and log file, plans and spawns the process. On error nothing is left.
  static Result<std::unique_ptr<Container>> start(const runtime::ContainerSpec& spec, const PodContext& pod);
  ~Container();

  const runtime::ContainerState& state() const { return state_; }
  bool running() const { return state_.running; }
  int pidfd() const { return pidfd_.get(); }
  // The process's stdin for attach: its pipe's write end, or the pty master with a tty; -1 when
  // the spec has no stdin, after closeStdin() and once the process exited.
  int stdinFd() const { return stdin_.get(); }
  bool tty() const { return spec_.tty; }
  void closeStdin() { stdin_.reset(); }  // stdinOnce: the first attach's end of input
  // -1 once that stream reached EOF (and was closed).
  int outputFd(runtime::LogStream s) const { return (s == runtime::LogStream::kStdout ? out_ : err_).get(); }

  // Copies what is readable from one stream into the log; closes it at EOF. Never blocks.
  void readOutput(runtime::LogStream s);
  // The process exited (reaped already, status in info): drain output, record the exit, remove
  // the container cgroup and scratch dir.
  void onExited(const siginfo_t& info);
  Status signal(int sig);
  // Starts `command` inside this running container: its cgroup, namespaces, cwd, env and user.
  // `req` may preset the stdio fields (stream mode); the rest is filled in here.
  Result<runtime::ExecProcess> exec(const std::vector<std::string>& command, runtime::ExecRequest req = {}) const;

 private:
  Container(const runtime::ContainerSpec& spec, const PodContext& pod);
  void writeRecord(runtime::LogStream s, std::string_view content, bool partial);
  void closeStream(runtime::LogStream s);
  void killRemainingProcesses();  // SIGKILL to whatever is left in its cgroup
  std::string cgroupPath() const { return pod_.cgroupParent + "/" + state_.name; }

  PodContext pod_;
  runtime::ContainerSpec spec_;  // kept for exec: env, working dir, user
  runtime::ProcessSecurity security_;  // resolved once; exec'd processes get the same
  sys::SeccompProgram seccomp_;        // security_.seccomp may point here
  runtime::ContainerState state_;
  std::string scratchDir_;
  sys::UniqueFd pidfd_, out_, err_, log_, stdin_;
  runtime::CriLineSplitter outSplit_, errSplit_;
};

}  // namespace peapod::shim
