// Sandbox and container specs exchanged between the daemon and the per-pod shim (JSON on the wire).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sys/cgroup.h"
#include "sys/seccomp_profile.h"

namespace peapod::runtime {

// Written by the daemon as JSON to <runDir>/sandbox.json before spawning the shim.
struct SandboxSpec {
  std::string podUid, podName, podNamespace;
  std::string hostname;        // set in the pod's new UTS namespace ("" with hostNetwork)
  // Namespaces shared with the host instead of created for the pod. hostNetwork implies the
  // host's UTS namespace too (as containerd does: the hostname is the node's).
  bool hostNetwork = false;
  bool hostIPC = false;
  bool hostPID = false;
  // shareProcessNamespace: the shim is PID 1 of a new PID namespace all containers join.
  bool sharePid = false;
  std::string runDir;          // per-pod dir, exists; shim.sock is created here
  std::string cgroupParent;    // e.g. "peapod/pod<uid>", relative to each controller root
  std::string cgroupRoot = "/sys/fs/cgroup";
  uint64_t shmSizeBytes = 64ull << 20;  // the pod's shared /dev/shm tmpfs size
  // pids.max of the pod cgroup (the kubelet's --pod-max-pids); <= 0 leaves it unlimited, as the
  // kubelet sets a pod pids limit only when the flag is positive.
  int64_t pidsLimit = -1;
};

// A bind mount into a container; target is absolute inside the container, source a host path.
struct BindMount {
  std::string source;
  std::string target;
  bool readOnly = false;
  // Kubernetes mountPropagation: "None" or "" (rprivate), "HostToContainer" (rslave),
  // "Bidirectional" (rshared).
  std::string propagation = {};
  // Not on the wire: a detached clone of the host's mount at source (open_tree in the host's
  // mount namespace), attached instead of a bind so a Bidirectional mount stays a peer of the
  // host's. -1 = bind source as usual.
  int hostTreeFd = -1;
};

// Sent by the daemon in a "start" request.
struct ContainerSpec {
  std::string name;
  std::vector<std::string> rootfsLayers;  // overlay lower dirs, BASE layer first (index 0 = lowest)
  std::vector<std::string> args;          // argv; args[0] without '/' is resolved through PATH in the container
  std::vector<std::string> env;           // "K=V"
  std::string workingDir = "/";           // created if missing
  uint32_t uid = 0, gid = 0;
  std::vector<BindMount> mounts;          // volumes and the /etc/hosts, hostname, resolv.conf files
  std::string logPath;                    // CRI log file; parent dirs are created by the shim
  // Kubernetes stdin/stdinOnce/tty: the shim holds the write end of the process's stdin (or a pty
  // it is the master of) for attach; without stdin and tty, stdin is /dev/null.
  bool stdin = false, stdinOnce = false, tty = false;

  // Identity and security (securityContext). `user` is resolved by the shim against the image's
  // /etc/passwd and /etc/group ("uid", "uid:gid", names); when empty, uid/gid are used as given
  // with no supplementary groups. The default is an unconfined root process.
  std::string user;
  std::vector<uint32_t> supplementalGroups;  // supplementalGroups and fsGroup
  std::optional<std::vector<std::string>> capabilities;  // bounding set ("CAP_CHOWN"...); unset = all
  bool privileged = false;                // /sys and /sys/fs/cgroup writable
  bool noNewPrivs = false;
  std::string seccomp;                    // "" (unconfined), "runtime/default" or "localhost/<file>"
  // The compiled filter (classic BPF), so the daemon compiles a profile once per capability set
  // instead of every shim paying ~40 ms and ~1 MiB for libseccomp; base64 on the wire. Empty:
  // the shim compiles `seccomp` itself.
  sys::SeccompProgram seccompBpf;
  bool readOnlyRootfs = false;
  std::vector<std::string> maskedPaths;   // /dev/null (files) or an empty read-only tmpfs (dirs) on top
  std::vector<std::string> readonlyPaths; // bind-mounted read-only onto themselves
  // Resources: this container's cgroup, and the pod cgroup (the same for every container of a
  // pod; the shim applies it before starting one).
  sys::CgroupLimits resources;
  sys::CgroupLimits podResources;
  // Pod-level namespaced sysctls, written in the pod's namespaces before its first container.
  std::vector<std::pair<std::string, std::string>> sysctls;
  // Not on the wire: the shim sets it from its sandbox. false = stay in the shim's PID namespace
  // (the host's with hostPID, the pod's with shareProcessNamespace).
  bool newPidNamespace = true;
};

// What the shim knows about one container (the latest run of that name).
struct ContainerState {
  std::string name;
  int pid = 0;
  bool running = false;
  int exitCode = 0;
  int signal = 0;  // the killing signal when the process died by a signal
  std::string startedAt, finishedAt;  // RFC3339Nano
  std::string logPath;
  std::string error;
  bool oomKilled = false;  // the kernel's OOM killer killed a process of this run's cgroup
};

nlohmann::json toJson(const SandboxSpec& s);
Result<SandboxSpec> sandboxSpecFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ContainerSpec& s);
Result<ContainerSpec> containerSpecFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ContainerState& s);
nlohmann::json toJson(const sys::CgroupLimits& l);
Result<sys::CgroupLimits> cgroupLimitsFromJson(const nlohmann::json& j);
Result<ContainerState> containerStateFromJson(const nlohmann::json& j);

}  // namespace peapod::runtime
