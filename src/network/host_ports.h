// HostPorts: the node's hostPort table and the userspace proxies that serve it (what
// docker-proxy and rootlesskit's port driver do).
//
// Why a userspace proxy rather than nftables DNAT: it answers on 127.0.0.1 without setting
// route_localnet on the bridge (which would let any host address route to 127/8), needs no
// firewall state to reconcile after a crash (the proxies die with the daemon and are re-opened
// when it adopts its pods), and a port the host already uses fails loudly at bind() instead of
// being silently shadowed. The cost is one copy per byte through the daemon, fine for hostPort's
// use (debugging, node-local agents).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/result.h"

namespace peapod::network {

struct PortMapping {
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  std::string hostIP;            // "" = every host address
  int hostPort = 0;
  int containerPort = 0;
  // "TCP 0.0.0.0:8080"
  std::string str() const;
};

// True when both cannot be held at once: same protocol and port, and the same host IP or either
// one is the wildcard ("" or 0.0.0.0), the kubelet's/scheduler's NodePorts rule.
bool conflicts(const PortMapping& a, const PortMapping& b);

class HostPorts;

// What one pod holds: its claims and its proxies. Destroying it frees both.
class HostPortLease {
 public:
  ~HostPortLease();
  HostPortLease(const HostPortLease&) = delete;
  HostPortLease& operator=(const HostPortLease&) = delete;
  const std::vector<PortMapping>& ports() const { return ports_; }

 private:
  friend class HostPorts;
  struct Proxy;
  HostPortLease(HostPorts& owner, uint64_t id, std::vector<PortMapping> ports);

  HostPorts& owner_;
  uint64_t id_;
  std::vector<PortMapping> ports_;
  std::vector<std::shared_ptr<Proxy>> proxies_;
};

class HostPorts {
 public:
  explicit HostPorts(boost::asio::io_context& io) : io_(io) {}
  HostPorts(const HostPorts&) = delete;
  HostPorts& operator=(const HostPorts&) = delete;

  // Which other holder's mapping `ports` would collide with, as a message ("" when none).
  std::string conflictWith(const std::vector<PortMapping>& ports) const;

  // Claims all of `ports` for `holder` (e.g. "default/web") or none: EADDRINUSE naming the
  // holder on a conflict. With a non-empty `podIP`, TCP and UDP mappings are proxied from
  // hostIP:hostPort to podIP:containerPort (a bind error is returned as is); without one
  // (hostNetwork pods) the ports are only recorded. The lease must not outlive this object.
  Result<std::unique_ptr<HostPortLease>> claim(const std::string& holder, const std::vector<PortMapping>& ports,
                                               const std::string& podIP);

  size_t claimedCount() const;

 private:
  friend class HostPortLease;
  struct Claim {
    std::string holder;
    std::vector<PortMapping> ports;
  };
  void release(uint64_t id) { claims_.erase(id); }

  boost::asio::io_context& io_;
  std::map<uint64_t, Claim> claims_;
  uint64_t nextId_ = 1;
};

}  // namespace peapod::network
