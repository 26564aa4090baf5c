#include "node/sandbox.h"

#include <fcntl.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "network/etc_files.h"
#include "network/pod_network.h"
#include "node/log_paths.h"
#include "node/volumes.h"
#include "runtime/shim_launcher.h"
#include "sys/unique_fd.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

Status writeFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Error("write " + path.string() + " failed");
  return {};
}

std::string readHostFile(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<PodPaths> writeEtcFiles(const NodeConfig& config, const api::Pod& pod, const std::string& ip) {
  PodPaths paths;
  fs::path dir = config.podRunDir(pod.metadata.uid);
  std::string hostname = podHostname(pod);
  paths.etcHosts = (dir / "etc-hosts").string();
  paths.etcHostname = (dir / "etc-hostname").string();
  paths.resolvConf = (dir / "resolv.conf").string();
  std::string fqdn;
  if (!pod.spec.subdomain.empty()) {
    fqdn = hostname + "." + pod.spec.subdomain + "." + pod.metadata.namespace_ + ".svc." + config.clusterDomain;
  }
  std::vector<network::HostAlias> aliases;
  for (const auto& a : pod.spec.hostAliases) aliases.push_back({a.ip, a.hostnames});
  PEAPOD_TRY(writeFile(paths.etcHosts, network::hostsFile(ip, hostname, fqdn, aliases)));
  PEAPOD_TRY(writeFile(paths.etcHostname, network::hostnameFile(hostname)));
  auto host = network::hostResolvConf(readHostFile("/etc/resolv.conf"));
  auto resolv = pod.spec.dnsPolicy == "Default"
                    ? network::fitLimits(host)
                    : network::clusterFirst(pod.metadata.namespace_, config.clusterDomain, config.clusterDNS, host);
  PEAPOD_TRY(writeFile(paths.resolvConf, network::resolvConf(resolv)));
  return paths;
}

runtime::SandboxSpec sandboxSpec(const NodeConfig& config, const api::Pod& pod) {
  runtime::SandboxSpec s;
  s.podUid = pod.metadata.uid;
  s.podName = pod.metadata.name;
  s.podNamespace = pod.metadata.namespace_;
  s.hostname = podHostname(pod);
  s.runDir = config.podRunDir(pod.metadata.uid).string();
  s.cgroupParent = config.cgroupParent + "/pod" + pod.metadata.uid;
  return s;
}

}  // namespace

Result<Sandbox> createSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                              const std::string& ip, ShimConnection::ExitHandler onExit,
                              ShimConnection::ClosedHandler onClosed) {
  Sandbox sb;
  sb.ip = ip;
  std::error_code ec;
  fs::create_directories(config.podRunDir(pod.metadata.uid), ec);
  if (ec) return Error("create " + config.podRunDir(pod.metadata.uid).string() + ": " + ec.message());
  PEAPOD_ASSIGN_OR_RETURN(sb.paths, writeEtcFiles(config, pod, ip));
  PEAPOD_ASSIGN_OR_RETURN(sb.paths.volumes, prepareVolumes(config, pod));

  auto spec = sandboxSpec(config, pod);
  PEAPOD_ASSIGN_OR_RETURN(int shimPid, runtime::launchShim(config.shimBinary, spec));
  auto killShim = [&] { ::kill(shimPid, SIGKILL); };

  std::string nsPath = "/proc/" + std::to_string(shimPid) + "/ns/net";
  sys::UniqueFd netns(::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) {
    killShim();
    return Error::sys("open", nsPath);
  }
  auto iface = network::attachPod(config.bridge, netns.get(), ip, network::makeHostVethName());
  if (!iface.ok()) {
    killShim();
    return std::move(iface).error().wrap("pod network");
  }
  auto conn = ShimConnection::connect(io, spec.runDir + "/shim.sock", std::move(onExit), std::move(onClosed));
  if (!conn.ok()) {
    killShim();
    return std::move(conn).error();
  }
  sb.shim = std::move(*conn);
  return sb;
}

Result<Sandbox> adoptSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                             ShimConnection::ExitHandler onExit, ShimConnection::ClosedHandler onClosed) {
  Sandbox sb;
  sb.ip = pod.status.podIP;
  fs::path dir = config.podRunDir(pod.metadata.uid);
  PEAPOD_ASSIGN_OR_RETURN(sb.shim, ShimConnection::connect(io, (dir / "shim.sock").string(), std::move(onExit),
                                                           std::move(onClosed)));
  sb.paths.etcHosts = (dir / "etc-hosts").string();
  sb.paths.etcHostname = (dir / "etc-hostname").string();
  sb.paths.resolvConf = (dir / "resolv.conf").string();
  PEAPOD_ASSIGN_OR_RETURN(sb.paths.volumes, prepareVolumes(config, pod));
  return sb;
}

void removePodFiles(const NodeConfig& config, const api::Pod& pod, bool logs) {
  std::error_code ec;
  fs::remove_all(config.podRunDir(pod.metadata.uid), ec);
  fs::remove_all(config.podDataDir(pod.metadata.uid), ec);
  if (logs) fs::remove_all(podLogDir(config.logDir, pod.metadata.namespace_, pod.metadata.name, pod.metadata.uid), ec);
}

}  // namespace peapod::node
