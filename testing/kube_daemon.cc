// KubeDaemon: the TLS + kubeconfig daemon the kubectl, exec, SPDY, volumes and client-node e2e
// tests share, and the kubectl runners.
#include "testing/kube_daemon.h"

#include <unistd.h>

#include <cstdlib>

namespace peapod::testing {
namespace fs = std::filesystem;

std::string kubectlPath(const std::string& label) {
  if (label == "system") return ::access("/usr/bin/kubectl", X_OK) == 0 ? "/usr/bin/kubectl" : "";
  std::vector<fs::path> dirs = {"/usr/local/lib/peapod-test"};
  if (const char* d = std::getenv("PEAPOD_KUBECTL_DIR")) dirs.insert(dirs.begin(), d);
  for (const auto& d : dirs) {
    fs::path p = d / ("kubectl-" + label);
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

std::vector<Kubectl> installedKubectls() {
  std::vector<Kubectl> out;
  for (const char* label : {"1.20", "1.35", "system"}) {
    if (auto p = kubectlPath(label); !p.empty()) out.push_back({label, p});
  }
  return out;
}

KubeDaemon::KubeDaemon(std::vector<std::string> extraFlags) : dir_("peapod-kube") {
  std::vector<std::string> flags = {"--listen", "tcp://127.0.0.1:0", "--kubeconfig", kubeconfig().string()};
  flags.insert(flags.end(), extraFlags.begin(), extraFlags.end());
  daemon_.emplace(std::move(flags));
}

KubeDaemon::~KubeDaemon() { daemon_.reset(); }

std::string KubeDaemon::serverUrl() const {
  std::string text = readFile(kubeconfig());
  auto at = text.find("server: ");
  if (at == std::string::npos) return "";
  auto end = text.find('\n', at);
  return text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
}

std::vector<std::string> KubeDaemon::kubectlArgv(const Kubectl& k, const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {k.path, "--kubeconfig", kubeconfig().string(), "--cache-dir",
                                   (dir_ / ("cache-" + k.label)).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

CommandResult KubeDaemon::kubectl(const Kubectl& k, const std::vector<std::string>& args, const std::string& input,
                                  int timeoutSeconds) const {
  std::vector<std::string> argv = kubectlArgv(k, args);
  if (timeoutSeconds > 0) argv.insert(argv.begin(), {"timeout", std::to_string(timeoutSeconds)});
  return runCommand(argv, input);
}

CommandResult KubeDaemon::peapodTls(const std::vector<std::string>& args, const std::string& input) const {
#ifdef PEAPOD_BUILD_DIR
  fs::path bin = fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod";
#else
  fs::path bin = "build/bin/peapod";
#endif
  std::vector<std::string> argv = {bin.string(), "--kubeconfig", kubeconfig().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, input);
}

}  // namespace peapod::testing
