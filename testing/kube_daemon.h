// KubeDaemon: a PeapodDaemon serving its API on loopback TLS with the kubeconfig it writes, plus
// runners for real kubectl binaries (Debian's 1.20, a current 1.35, the machine's own) against it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {

// A kubectl binary: label "1.20", "1.35" or "system", and its path.
struct Kubectl {
  std::string label;
  std::string path;
};

// The path of kubectl `label` ("1.20", "1.35": where scripts/install-deps unpacks them, or
// $PEAPOD_KUBECTL_DIR; "system": /usr/bin/kubectl), "" when it is not installed.
std::string kubectlPath(const std::string& label);
// Every installed kubectl, in the order 1.20, 1.35, system.
std::vector<Kubectl> installedKubectls();

class KubeDaemon {
 public:
  // Starts the daemon with `--listen tcp://127.0.0.1:0 --kubeconfig DIR/kubeconfig` (extra flags
  // appended); throws as PeapodDaemon does when it does not come up.
  explicit KubeDaemon(std::vector<std::string> extraFlags = {"--restart-backoff-base", "200ms"});
  ~KubeDaemon();  // the daemon first (it deletes every pod), then the directory
  KubeDaemon(const KubeDaemon&) = delete;
  KubeDaemon& operator=(const KubeDaemon&) = delete;

  PeapodDaemon& daemon() { return *daemon_; }
  const PeapodDaemon& daemon() const { return *daemon_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  // The https:// server URL written in the kubeconfig.
  std::string serverUrl() const;
  // The CA that signed the serving certificate (PEM file).
  std::filesystem::path caFile() const { return daemon_->root() / "data" / "pki" / "ca.crt"; }

  // `[timeout T] kubectl --kubeconfig K --cache-dir DIR/cache-LABEL args...` with stdin `input`;
  // timeoutSeconds 0 runs without a time limit.
  CommandResult kubectl(const Kubectl& k, const std::vector<std::string>& args, const std::string& input = "",
                        int timeoutSeconds = 0) const;
  // The argv kubectl() would run, for callers that start it in the background.
  std::vector<std::string> kubectlArgv(const Kubectl& k, const std::vector<std::string>& args) const;
  // `peapod --kubeconfig K args...`: the CLI over TLS with the kubeconfig's CA and token.
  CommandResult peapodTls(const std::vector<std::string>& args, const std::string& input = "") const;

 private:
  TempDir dir_;
  std::optional<PeapodDaemon> daemon_;
};

}  // namespace peapod::testing
