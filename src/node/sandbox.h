// Sandbox: a pod's infra side — its directories, volumes, generated /etc files, the shim holding
// its namespaces, and its network interface on the node bridge.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "network/host_ports.h"
#include "node/config.h"
#include "node/container_config.h"
#include "node/shim_connection.h"

namespace peapod::node {

struct Sandbox {
  std::string ip;                      // the node's IP for host-network pods
  PodPaths paths;                      // volumes and /etc files for container specs
  std::unique_ptr<ShimConnection> shim;
  std::string hostVeth;                // host side of the pod's veth; "" for host-network pods
  std::unique_ptr<network::HostPortLease> hostPorts;  // claims and proxies; null without hostPorts
};

// The names a pod goes by (the kubelet's GeneratePodHostNameAndDomain and GetNodenameForKernel).
struct PodHostnames {
  std::string hostname;  // spec.hostname or the pod name, at most 63 chars
  std::string domain;    // "<subdomain>.<namespace>.svc.<clusterDomain>", "" without a subdomain
  std::string kernel;    // the UTS hostname: hostname, or the FQDN with setHostnameAsFQDN;
                         // "" for hostNetwork pods (they keep the node's)
  std::string fqdn() const { return domain.empty() ? "" : hostname + "." + domain; }
};
inline constexpr size_t kMaxKernelHostname = 64;  // HOST_NAME_MAX
// Error (the kubelet's text) when setHostnameAsFQDN makes a hostname over 64 chars.
Result<PodHostnames> podHostnames(const NodeConfig& config, const api::Pod& pod);

// 1. hostPorts claimed (EADDRINUSE naming the holder on a conflict) and proxied to `ip`;
// 2. /etc/hosts, /etc/hostname and /etc/resolv.conf; 3. volumes; 4. the shim (namespaces);
// 5. unless hostNetwork: the pod's veth and address, then its bandwidth shaping.
// A failure leaves nothing running.
Result<Sandbox> createSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                              const std::string& ip, network::HostPorts& hostPorts,
                              ShimConnection::ExitHandler onExit, ShimConnection::ClosedHandler onClosed);

// The pod address a sandbox recorded in its run dir ("" when it never got one).
std::string recordedPodIP(const NodeConfig& config, const std::string& uid);
// Shuts down a shim a crashed daemon left mid-creation (no address yet, so the API never saw
// anything run in it), so a fresh sandbox does not run beside it.
void discardSandbox(const NodeConfig& config, const api::Pod& pod);

// Re-attaches to the shim a previous daemon started, if it is still there, and re-opens its
// hostPort proxies (they lived in the previous daemon).
Result<Sandbox> adoptSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                             network::HostPorts& hostPorts, ShimConnection::ExitHandler onExit,
                             ShimConnection::ClosedHandler onClosed);

// The pod IPs of the sandboxes on this node (from their run directories), for the IPAM to
// reserve at start: their shims may outlive what the store knows.
std::vector<std::string> sandboxAddresses(const NodeConfig& config);

// Undoes what outlives the shim on the host — the pod's ifb device (egress shaping) and its
// hostPort claims and proxies. Call when the sandbox goes for good, not when the daemon exits.
void releaseSandbox(Sandbox& sb);

// Removes the pod's run and data directories (after the shim is gone), its ifb if one is left,
// and, when `logs`, its logs.
void removePodFiles(const NodeConfig& config, const api::Pod& pod, bool logs);

}  // namespace peapod::node
