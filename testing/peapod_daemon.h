// PeapodDaemon: an isolated `peapod daemon` for end-to-end tests — its own temp dirs, unix socket,
// bridge, pod CIDR and cgroup parent — driven through the real `peapod` CLI binary.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace peapod::testing {

struct CommandResult {
  int exitCode = -1;
  std::string out, err;
};

// Runs argv, capturing stdout and stderr; stdin is `input`.
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& input = "");

class PeapodDaemon {
 public:
  // Starts the daemon (extra flags appended) and imports the busybox test image.
  explicit PeapodDaemon(std::vector<std::string> extraFlags = {});
  ~PeapodDaemon();  // force-deletes every pod, stops the daemon, removes all it made
  PeapodDaemon(const PeapodDaemon&) = delete;
  PeapodDaemon& operator=(const PeapodDaemon&) = delete;

  // `peapod --server unix://... args...`
  CommandResult peapod(const std::vector<std::string>& args, const std::string& input = "") const;
  // Applies a manifest given as text (through stdin).
  CommandResult apply(const std::string& yaml) const;
  // The pod object (null json when it does not exist).
  nlohmann::json pod(const std::string& name) const;
  // Polls the pod until pred holds; false on timeout. Pods offer no event to a CLI client yet.
  bool waitPod(const std::string& name, const std::function<bool(const nlohmann::json&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  bool waitGone(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  // Logs of a container (stdout of `peapod logs`).
  std::string logs(const std::string& pod, const std::string& container) const;

  // Stops the daemon process with `signal` (pods keep running; SIGKILL simulates a crash) and
  // starts it again on the same state.
  void restart(int signal = 15);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path manifestDir() const { return root_ / "manifests"; }
  static constexpr const char* kNodeName = "peapod-e2e";
  const std::string& bridge() const { return bridge_; }
  const std::string& cgroupParent() const { return cgroupParent_; }
  std::string server() const { return "unix://" + (root_ / "api.sock").string(); }

 private:
  void start();
  void stop(int signal = 15);

  std::filesystem::path root_;
  std::string bridge_, cidr_, cgroupParent_;
  std::vector<std::string> extraFlags_;
  int pid_ = -1;
};

// Host-side facts the leak checks compare: processes, links, cgroups and mounts that mention `needle`.
std::vector<std::string> shimProcessesUnder(const std::filesystem::path& runDir);
std::vector<std::string> bridgePorts(const std::string& bridge);
std::vector<std::string> cgroupDirsUnder(const std::string& cgroupParent);
std::vector<std::string> mountsUnder(const std::filesystem::path& dir);

}  // namespace peapod::testing
