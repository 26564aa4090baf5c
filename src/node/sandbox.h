// Sandbox: a pod's infra side — its directories, volumes, generated /etc files, the shim holding
// its namespaces, and its network interface on the node bridge.
#pragma once

#include <memory>
#include <string>

#include "api/types.h"
#include "base/result.h"
#include "node/config.h"
#include "node/container_config.h"
#include "node/shim_connection.h"

namespace peapod::node {

struct Sandbox {
  std::string ip;                      // "" for host-network pods
  PodPaths paths;                      // volumes and /etc files for container specs
  std::unique_ptr<ShimConnection> shim;
};

// 1. volumes, 2. the shim (namespaces), 3. the pod's veth and address, 4. /etc/hosts,
// /etc/hostname and /etc/resolv.conf. A failure leaves nothing running.
Result<Sandbox> createSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                              const std::string& ip, ShimConnection::ExitHandler onExit,
                              ShimConnection::ClosedHandler onClosed);

// Re-attaches to the shim a previous daemon started, if it is still there.
Result<Sandbox> adoptSandbox(asio::io_context& io, const NodeConfig& config, const api::Pod& pod,
                             ShimConnection::ExitHandler onExit, ShimConnection::ClosedHandler onClosed);

// Removes the pod's run and data directories (after the shim is gone) and, when `logs`, its logs.
void removePodFiles(const NodeConfig& config, const api::Pod& pod, bool logs);

}  // namespace peapod::node
