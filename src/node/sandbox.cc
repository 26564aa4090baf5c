#include "node/sandbox.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/scope_exit.h"
#include "network/bandwidth.h"
#include "network/etc_files.h"
#include "network/pod_network.h"
#include "node/log_paths.h"
#include "node/sandbox_network.h"
#include "node/volumes.h"
#include "runtime/shim_launcher.h"
#include "runtime/shim_protocol.h"
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

std::string readHostFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

network::ResolvConfig podDNSConfig(const api::PodDNSConfig& c) {
  network::ResolvConfig out{c.nameservers, c.searches, {}};
  for (const auto& o : c.options) {
    out.options.push_back(o.value && !o.value->empty() ? o.name + ":" + *o.value : o.name);
  }
  return out;
}

Result<PodPaths> writeEtcFiles(const NodeConfig& config, const api::Pod& pod, const std::string& ip) {
  PodPaths paths;
  fs::path dir = config.podRunDir(pod.metadata.uid);
  PEAPOD_ASSIGN_OR_RETURN(PodHostnames names, podHostnames(config, pod));
  paths.etcHosts = (dir / "etc-hosts").string();
  paths.etcHostname = (dir / "etc-hostname").string();
  paths.resolvConf = (dir / "resolv.conf").string();
  std::vector<network::HostAlias> aliases;
  for (const auto& a : pod.spec.hostAliases) aliases.push_back({a.ip, a.hostnames});
  // The kubelet's ensureHostsFile: host-network pods get the node's hosts file under its own
  // header (plus hostAliases), the others a managed one with the pod IP and hostname/FQDN.
  std::string hosts = pod.spec.hostNetwork ? network::hostNetworkHostsFile(readHostFile("/etc/hosts"), aliases)
                                           : network::hostsFile(ip, names.hostname, names.fqdn(), aliases);
  PEAPOD_TRY(writeFile(paths.etcHosts, hosts));
  // containerd writes the sandbox hostname, the node's when the pod has none of its own.
  paths.hostname = names.kernel.empty() ? nodeHostname() : names.kernel;
  PEAPOD_TRY(writeFile(paths.etcHostname, network::hostnameFile(paths.hostname)));
  network::PodDNSParams dns;
  dns.dnsPolicy = pod.spec.dnsPolicy;
  dns.hostNetwork = pod.spec.hostNetwork;
  dns.podNamespace = pod.metadata.namespace_;
  dns.clusterDomain = config.clusterDomain;
  dns.clusterDNS = config.clusterDNS;
  dns.host = network::hostResolvConf(readHostFile(config.resolvConf.c_str()));
  network::ResolvConfig podConfig;
  if (pod.spec.dnsConfig) {
    podConfig = podDNSConfig(*pod.spec.dnsConfig);
    dns.podDNSConfig = &podConfig;
  }
  PEAPOD_TRY(writeFile(paths.resolvConf, network::resolvConf(network::podDNS(dns))));
  return paths;
}

Result<runtime::SandboxSpec> sandboxSpec(const NodeConfig& config, const api::Pod& pod) {
  runtime::SandboxSpec s;
  s.podUid = pod.metadata.uid;
  s.podName = pod.metadata.name;
  s.podNamespace = pod.metadata.namespace_;
  PEAPOD_ASSIGN_OR_RETURN(PodHostnames names, podHostnames(config, pod));
  s.hostname = names.kernel;
  s.hostNetwork = pod.spec.hostNetwork;
  s.hostIPC = pod.spec.hostIPC;
  s.hostPID = pod.spec.hostPID;
  s.sharePid = !pod.spec.hostPID && pod.spec.shareProcessNamespace.value_or(false);
  s.runDir = config.podRunDir(pod.metadata.uid).string();
  s.cgroupParent = config.cgroupParent + "/pod" + pod.metadata.uid;
  s.pidsLimit = config.podPidsLimit;
  return s;
}

}  // namespace

Result<PodHostnames> podHostnames(const NodeConfig& config, const api::Pod& pod) {
  PodHostnames n;
  n.hostname = podHostname(pod);
  if (!pod.spec.subdomain.empty()) {
    n.domain = pod.spec.subdomain + "." + pod.metadata.namespace_ + ".svc." + config.clusterDomain;
  }
  if (pod.spec.hostNetwork) return n;  // the node's UTS namespace: kernel stays ""
  n.kernel = n.hostname;
  // The kubelet's GetNodenameForKernel: a hostname longer than 64 fails the sandbox.
  if (pod.spec.setHostnameAsFQDN.value_or(false) && !n.domain.empty()) {
    n.kernel = n.fqdn();
    if (n.kernel.size() > kMaxKernelHostname) {
      return Error("failed to construct FQDN from pod hostname and cluster domain, FQDN " + n.kernel +
                       " is too long (" + std::to_string(kMaxKernelHostname) + " characters is the max, " +
                       std::to_string(n.kernel.size()) + " characters requested)",
                   EINVAL);
    }
  }
  return n;
}

Result<Sandbox> createSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                              const std::string& ip, network::HostPorts& hostPorts,
                              ShimConnection::ExitHandler onExit, ShimConnection::ClosedHandler onClosed) {
  Sandbox sb;
  sb.ip = ip;
  std::string holder = pod.metadata.namespace_ + "/" + pod.metadata.name;
  PEAPOD_ASSIGN_OR_RETURN(auto bandwidth, podBandwidth(pod));
  if (auto ports = podHostPorts(pod); !ports.empty()) {
    // hostNetwork containers bind the host's ports themselves: claimed, not proxied.
    PEAPOD_ASSIGN_OR_RETURN(sb.hostPorts, hostPorts.claim(holder, ports, pod.spec.hostNetwork ? "" : ip));
  }
  std::error_code ec;
  fs::path dir = config.podRunDir(pod.metadata.uid);
  fs::create_directories(dir, ec);
  if (ec) return Error("create " + dir.string() + ": " + ec.message());
  PEAPOD_ASSIGN_OR_RETURN(sb.paths, writeEtcFiles(config, pod, ip));
  sb.paths.seccompProfileRoot = config.seccompRoot().string();
  PEAPOD_ASSIGN_OR_RETURN(sb.paths.volumes, prepareVolumes(config, pod));

  PEAPOD_ASSIGN_OR_RETURN(auto spec, sandboxSpec(config, pod));
  PEAPOD_ASSIGN_OR_RETURN(int shimPid, runtime::launchShim(config.shimBinary, spec));
  bool ok = false;
  ScopeExit undo([&] {
    if (ok) return;
    ::kill(shimPid, SIGKILL);  // its netns goes, and both veth ends with it
    releaseSandbox(sb);
  });

  if (!pod.spec.hostNetwork) {
    std::string nsPath = "/proc/" + std::to_string(shimPid) + "/ns/net";
    sys::UniqueFd netns(::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return Error::sys("open", nsPath);
    sb.hostVeth = network::makeHostVethName();
    auto iface = network::attachPod(config.bridge, netns.get(), ip, sb.hostVeth);
    if (!iface.ok()) return std::move(iface).error().wrap("pod network");
    // Kept for a later daemon, which must remove the ifb when the pod goes and must not hand
    // the address out again even if the pod's status never reached the store.
    PEAPOD_TRY(writeFile(dir / "host-veth", sb.hostVeth));
    PEAPOD_TRY(writeFile(dir / "pod-ip", ip));
    PEAPOD_TRY(network::shapePod(sb.hostVeth, bandwidth));
  }
  PEAPOD_ASSIGN_OR_RETURN(sb.shim, ShimConnection::connect(io, spec.runDir + "/shim.sock", std::move(onExit),
                                                           std::move(onClosed)));
  ok = true;
  return sb;
}

Result<Sandbox> adoptSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                             network::HostPorts& hostPorts, ShimConnection::ExitHandler onExit,
                             ShimConnection::ClosedHandler onClosed) {
  Sandbox sb;
  sb.ip = pod.status.podIP;
  fs::path dir = config.podRunDir(pod.metadata.uid);
  PEAPOD_ASSIGN_OR_RETURN(sb.shim, ShimConnection::connect(io, (dir / "shim.sock").string(), std::move(onExit),
                                                           std::move(onClosed)));
  sb.paths.etcHosts = (dir / "etc-hosts").string();
  sb.paths.etcHostname = (dir / "etc-hostname").string();
  sb.paths.resolvConf = (dir / "resolv.conf").string();
  sb.paths.seccompProfileRoot = config.seccompRoot().string();
  if (auto names = podHostnames(config, pod); names.ok()) {
    sb.paths.hostname = names->kernel.empty() ? nodeHostname() : names->kernel;
  }
  sb.hostVeth = readHostFile((dir / "host-veth").string());
  PEAPOD_ASSIGN_OR_RETURN(sb.paths.volumes, prepareVolumes(config, pod));
  if (auto ports = podHostPorts(pod); !ports.empty()) {
    auto lease = hostPorts.claim(pod.metadata.namespace_ + "/" + pod.metadata.name, ports,
                                 pod.spec.hostNetwork ? "" : sb.ip);
    // The pod runs on; only its host ports are lost (e.g. a host process took one meanwhile).
    if (!lease.ok()) log::warn("pod " + pod.metadata.name + ": hostPort: " + lease.error().message());
    else sb.hostPorts = std::move(*lease);
  }
  return sb;
}

std::string recordedPodIP(const NodeConfig& config, const std::string& uid) {
  return readHostFile((config.podRunDir(uid) / "pod-ip").string());
}

void discardSandbox(const NodeConfig& config, const api::Pod& pod) {
  std::string sock = (config.podRunDir(pod.metadata.uid) / "shim.sock").string();
  if (auto fd = runtime::connectShim(sock); fd.ok()) {
    if (auto r = runtime::callShim(fd->get(), {{"id", 1}, {"op", "shutdown"}}); !r.ok()) log::warn(r.error().message());
  }
  removePodFiles(config, pod, false);
}

std::vector<std::string> sandboxAddresses(const NodeConfig& config) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(config.runDir / "pods", ec)) {
    if (!fs::exists(e.path() / "shim.sock")) continue;  // a pod whose shim is gone holds nothing
    std::string ip = readHostFile((e.path() / "pod-ip").string());
    if (!ip.empty()) out.push_back(ip);
  }
  return out;
}

void releaseSandbox(Sandbox& sb) {
  sb.hostPorts.reset();
  if (sb.hostVeth.empty()) return;
  if (auto st = network::removePodShaping(sb.hostVeth); !st.ok()) log::warn(st.error().message());
}

void removePodFiles(const NodeConfig& config, const api::Pod& pod, bool logs) {
  std::error_code ec;
  // A shim that died while no daemon watched took its veth along, but not the ifb.
  std::string veth = readHostFile((config.podRunDir(pod.metadata.uid) / "host-veth").string());
  if (!veth.empty()) (void)network::removePodShaping(veth);
  fs::remove_all(config.podRunDir(pod.metadata.uid), ec);
  // Volume mounts first: remove_all must never walk into a tmpfs, or a subPath bind of a hostPath.
  if (auto s = tearDownVolumes(config, pod.metadata.uid); s.ok()) {
    fs::remove_all(config.podDataDir(pod.metadata.uid), ec);
  } else {
    log::error("pod " + pod.metadata.name + ": keeping its data dir: " + s.error().message());
  }
  if (logs) fs::remove_all(podLogDir(config.logDir, pod.metadata.namespace_, pod.metadata.name, pod.metadata.uid), ec);
}

}  // namespace peapod::node
