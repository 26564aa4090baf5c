// Sandbox and container specs exchanged between the daemon and the per-pod shim (JSON on the wire).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::runtime {

// Written by the daemon as JSON to <runDir>/sandbox.json before spawning the shim.
struct SandboxSpec {
  std::string podUid, podName, podNamespace;
  std::string hostname;        // set in the pod's new UTS namespace
  std::string runDir;          // per-pod dir, exists; shim.sock is created here
  std::string cgroupParent;    // e.g. "peapod/pod<uid>", relative to each controller root
  std::string cgroupRoot = "/sys/fs/cgroup";
  uint64_t shmSizeBytes = 64ull << 20;  // the pod's shared /dev/shm tmpfs size
};

// A bind mount into a container; target is absolute inside the container, source a host path.
struct BindMount {
  std::string source;
  std::string target;
  bool readOnly = false;
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
};

nlohmann::json toJson(const SandboxSpec& s);
Result<SandboxSpec> sandboxSpecFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ContainerSpec& s);
Result<ContainerSpec> containerSpecFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ContainerState& s);
Result<ContainerState> containerStateFromJson(const nlohmann::json& j);

}  // namespace peapod::runtime
