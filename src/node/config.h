// NodeConfig: where the node keeps its state and how it sets pods up (all flags of `peapod daemon`).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "network/bridge.h"

namespace peapod::node {

struct NodeConfig {
  std::string nodeName;                 // spec.nodeName of every pod run here
  std::filesystem::path dataDir;        // images, database, emptyDir volumes
  std::filesystem::path runDir;         // per-pod shim sockets and generated /etc files
  std::filesystem::path logDir;         // <ns>_<name>_<uid>/<container>/<restartCount>.log
  std::string shimBinary;               // peapod-shim
  network::BridgeConfig bridge;
  std::string cgroupParent = "peapod";  // every pod cgroup lives under it, in each controller
  std::string clusterDomain = "cluster.local";
  std::vector<std::string> clusterDNS;  // empty: pods use the host's resolv.conf
  std::string kubernetesService = "10.96.0.1:443";  // HOST:PORT behind KUBERNETES_SERVICE_* in pods
  std::string resolvConf = "/etc/resolv.conf";  // the host's, for dnsPolicy Default (kubelet --resolv-conf)
  std::chrono::milliseconds restartBackoffBase{10'000};  // kubelet: 10 s doubling ...
  std::chrono::milliseconds restartBackoffMax{300'000};  // ... up to 5 min (also ImagePullBackOff)
  std::filesystem::path registryConfig;         // Docker config.json "auths" (empty: image::defaultAuthFile())
  std::vector<std::string> insecureRegistries;  // plain HTTP (loopback registries always are)
  int imageGcHighThreshold = 85;                // percent of the image filesystem: GC starts ...
  int imageGcLowThreshold = 80;                 // ... and frees down to this
  int64_t podPidsLimit = -1;                    // pids.max of each pod cgroup (kubelet --pod-max-pids); -1: unlimited
  std::filesystem::path seccompProfileRoot;     // Localhost seccomp profiles (kubelet <root>/seccomp); empty: <dataDir>/seccomp

  std::filesystem::path podRunDir(const std::string& uid) const { return runDir / "pods" / uid; }
  std::filesystem::path podDataDir(const std::string& uid) const { return dataDir / "pods" / uid; }
  std::filesystem::path seccompRoot() const { return seccompProfileRoot.empty() ? dataDir / "seccomp" : seccompProfileRoot; }
};

}  // namespace peapod::node
