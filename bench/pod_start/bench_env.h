// The pod-start bench's private world: a daemon in fresh temp dirs, its own bridge, CIDR and
// cgroup parent, /proc readers, and the leak check that runs after the daemon stops.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/http_client.h"

namespace peapod::bench {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0);

// Sorted-sample statistics: p in [0,100], nearest rank.
double percentile(std::vector<double> v, double p);

// Fields of /proc/PID/smaps_rollup in KiB ("Rss", "Pss", "Private_Clean", ...); empty if gone.
std::map<std::string, long> smapsRollup(pid_t pid);
// One field of /proc/meminfo in KiB.
long meminfoKiB(const std::string& field);

class BenchEnv {
 public:
  // Picks a unique suffix, a free /24 in 10.213.0.0/16, and makes the temp dirs.
  explicit BenchEnv(std::filesystem::path buildDir);
  ~BenchEnv();  // cleanup() if not done

  // Spawns BUILD/bin/peapod daemon and waits until the API answers; false on failure.
  // `wrapper` (space-separated, may be empty) runs in front of it, e.g. "strace -f -T -o FILE".
  bool startDaemon(std::string* error, const std::string& wrapper = "");
  // SIGTERM, then waits for exit.
  void stopDaemon();
  cli::HttpClient& http() { return http_; }
  pid_t daemonPid() const { return daemonPid_; }

  // Shim processes whose --sandbox lies under our run dir.
  std::vector<pid_t> shimPids() const;
  // Every process living in a cgroup under our parent (the containers), shims excluded.
  std::vector<pid_t> containerPids() const;

  // After the daemon stopped: what is left of ours. Each entry is one human-readable leak.
  std::vector<std::string> leaks() const;
  // Removes the bridge, cgroup parents and temp dirs (detaching any mount left under them).
  void cleanup();

  const std::filesystem::path& root() const { return root_; }
  const std::string& bridge() const { return bridge_; }
  const std::string& cidr() const { return cidr_; }
  const std::string& cgroupParent() const { return cgroupParent_; }
  const std::filesystem::path& buildDir() const { return buildDir_; }

 private:
  std::vector<std::string> mountsUnderRoot() const;
  std::vector<std::filesystem::path> cgroupParentDirs() const;

  std::filesystem::path buildDir_, root_;
  std::string suffix_, bridge_, cidr_, cgroupParent_;
  cli::HttpClient http_;
  pid_t daemonPid_ = -1;
  bool cleaned_ = false;
};

}  // namespace peapod::bench
