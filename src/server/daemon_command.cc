// `peapod daemon`: flags for every place and policy, defaults for a real node.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <filesystem>

#include "base/time.h"
#include "server/daemon.h"

namespace peapod::server {
namespace {

std::string hostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  gethostname(buf, sizeof buf);
  return buf;
}

std::string siblingShim() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "peapod-shim").string();
}

// "10s", "250ms", "5m" -> milliseconds.
std::chrono::milliseconds parseDuration(const std::string& s) {
  size_t used = 0;
  double v = std::stod(s, &used);
  std::string unit = s.substr(used);
  double ms = unit == "ms" ? v : unit == "s" || unit.empty() ? v * 1000 : unit == "m" ? v * 60000 : -1;
  if (ms < 0) throw CLI::ValidationError("duration", "unknown unit in \"" + s + "\" (use ms, s or m)");
  return std::chrono::milliseconds(static_cast<long>(ms));
}

}  // namespace

void registerDaemonCommand(CLI::App& app) {
  auto opts = std::make_shared<DaemonOptions>();
  auto& n = opts->node;
  n.dataDir = "/var/lib/peapod";
  n.runDir = "/run/peapod";
  n.logDir = "/var/log/pods";
  n.nodeName = hostName();
  n.shimBinary = siblingShim();
  auto base = std::make_shared<std::string>("10s");
  auto max = std::make_shared<std::string>("300s");

  auto* cmd = app.add_subcommand("daemon", "Run the node: the Kubernetes API, the pod lifecycle manager and the stores");
  cmd->add_option("--data-dir", n.dataDir, "images, the object database and emptyDir volumes")->capture_default_str();
  cmd->add_option("--run-dir", n.runDir, "per-pod shim sockets and generated files")->capture_default_str();
  cmd->add_option("--log-dir", n.logDir, "container logs (CRI format)")->capture_default_str();
  cmd->add_option("--listen", opts->listen,
                  "API address, repeatable: unix:///PATH or tcp://127.0.0.1:PORT "
                  "(default: unix://<run-dir>/peapod.sock and tcp://127.0.0.1:6443)");
  cmd->add_option("--node-name", n.nodeName, "this node's name (spec.nodeName)")->capture_default_str();
  cmd->add_option("--shim", n.shimBinary, "the peapod-shim binary")->capture_default_str();
  cmd->add_option("--bridge", n.bridge.name, "the pod bridge interface")->capture_default_str();
  cmd->add_option("--pod-cidr", n.bridge.cidr, "pod addresses; the bridge takes the first")->capture_default_str();
  cmd->add_option("--cgroup-parent", n.cgroupParent, "cgroup under which pod cgroups are made")->capture_default_str();
  cmd->add_option("--kubernetes-service", n.kubernetesService,
                  "HOST:PORT of the cluster's kubernetes service, for the KUBERNETES_SERVICE_* variables")
      ->capture_default_str()
      ->check([](const std::string& v) -> std::string {
        size_t colon = v.rfind(':');
        bool ok = colon != std::string::npos && colon > 0 && colon + 1 < v.size() &&
                  v.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
                  std::atoi(v.c_str() + colon + 1) > 0 && std::atoi(v.c_str() + colon + 1) < 65536;
        return ok ? std::string() : "must be HOST:PORT, e.g. 10.96.0.1:443";
      });
  cmd->add_option("--cluster-dns", n.clusterDNS, "nameserver for ClusterFirst pods (repeatable); none: the host's");
  cmd->add_option("--cluster-domain", n.clusterDomain, "DNS domain of the cluster")->capture_default_str();
  cmd->add_option("--resolv-conf", n.resolvConf, "the host resolv.conf pods with dnsPolicy Default get")
      ->capture_default_str();
  cmd->add_option("--restart-backoff-base", *base, "first crash-loop back-off (kubelet: 10s)")->capture_default_str();
  cmd->add_option("--restart-backoff-max", *max, "crash-loop back-off cap (kubelet: 300s)")->capture_default_str();
  cmd->add_option("--registry-config", n.registryConfig,
                  "registry credentials: a Docker config.json with \"auths\" "
                  "(default /etc/peapod/auth.json, else $HOME/.docker/config.json)");
  cmd->add_option("--insecure-registry", n.insecureRegistries,
                  "registry (host[:port]) spoken to over plain HTTP, repeatable; loopback ones always are");
  cmd->add_option("--image-gc-high-threshold", n.imageGcHighThreshold,
                  "disk usage percent of the image filesystem that starts image GC (100: never)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--image-gc-low-threshold", n.imageGcLowThreshold, "disk usage percent image GC frees down to")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--pod-max-pids", n.podPidsLimit, "pids.max of each pod cgroup (kubelet --pod-max-pids); -1: unlimited")
      ->capture_default_str();
  cmd->add_option("--seccomp-profile-root", n.seccompProfileRoot,
                  "directory seccompProfile Localhost paths resolve under (default <data-dir>/seccomp)");
  cmd->add_option("--kubeconfig", opts->kubeconfig,
                  "where to write the kubeconfig (mode 0600) for kubectl: the TCP address, CA and token")
      ->capture_default_str();
  cmd->add_option("--manifest-dir", opts->manifestDir, "static pod manifests, watched for changes")
      ->capture_default_str();
  cmd->add_option("--pki-dir", opts->pkiDir, "CA, serving certificate and token (default <data-dir>/pki)");
  cmd->add_flag("--plain-http", opts->plainHttp,
                "serve plain HTTP instead of TLS on TCP listeners (tests only; the token is still required)");
  cmd->add_flag("-v,--verbose", opts->verbose, "debug logging");
  cmd->callback([opts, base, max] {
    opts->node.restartBackoffBase = parseDuration(*base);
    opts->node.restartBackoffMax = parseDuration(*max);
    if (opts->listen.empty()) {
      opts->listen = {"unix://" + (opts->node.runDir / "peapod.sock").string(), "tcp://127.0.0.1:6443"};
    }
    if (opts->node.imageGcLowThreshold > opts->node.imageGcHighThreshold)
      throw CLI::ValidationError("--image-gc-low-threshold", "must not exceed --image-gc-high-threshold");
    if (!opts->node.seccompProfileRoot.empty()) opts->node.seccompProfileRoot = std::filesystem::absolute(opts->node.seccompProfileRoot);
    if (!opts->node.registryConfig.empty()) opts->node.registryConfig = std::filesystem::absolute(opts->node.registryConfig);
    for (auto* dir : {&opts->node.dataDir, &opts->node.runDir, &opts->node.logDir, &opts->kubeconfig, &opts->manifestDir}) {
      *dir = std::filesystem::absolute(*dir);
    }
    if (!opts->pkiDir.empty()) opts->pkiDir = std::filesystem::absolute(opts->pkiDir);
    throw CLI::RuntimeError(runDaemon(*opts));
  });
}

}  // namespace peapod::server
