// podHostPorts / podBandwidth (see sandbox_network.h).
#include "node/sandbox_network.h"

#include "api/quantity.h"

namespace peapod::node {
namespace {

constexpr char kIngress[] = "kubernetes.io/ingress-bandwidth";
constexpr char kEgress[] = "kubernetes.io/egress-bandwidth";
constexpr int64_t kMinBits = 1'000;                      // "1k"
constexpr int64_t kMaxBits = 1'000'000'000'000'000;      // "1P"

Result<uint64_t> bandwidthValue(const api::Pod& pod, const char* key) {
  auto it = pod.metadata.annotations.find(key);
  if (it == pod.metadata.annotations.end()) return uint64_t{0};
  auto bits = api::quantityValue(it->second);
  if (!bits) return Error(std::string(key) + ": quantities must match the regular expression "
                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"" + it->second + "\")", EINVAL);
  if (*bits < kMinBits) return Error(std::string(key) + ": resource is unreasonably small (< 1kbit)", EINVAL);
  if (*bits > kMaxBits) return Error(std::string(key) + ": resource is unreasonably large (> 1Pbit)", EINVAL);
  return static_cast<uint64_t>(*bits);
}

}  // namespace

std::vector<network::PortMapping> podHostPorts(const api::Pod& pod) {
  std::vector<network::PortMapping> out;
  for (const auto& c : pod.spec.containers) {
    for (const auto& p : c.ports) {
      if (!p.hostPort || *p.hostPort <= 0) continue;
      out.push_back({p.protocol.empty() ? "TCP" : p.protocol, p.hostIP, *p.hostPort, p.containerPort});
    }
  }
  return out;
}

Result<network::BandwidthLimits> podBandwidth(const api::Pod& pod) {
  network::BandwidthLimits l;
  PEAPOD_ASSIGN_OR_RETURN(l.ingressBits, bandwidthValue(pod, kIngress));
  PEAPOD_ASSIGN_OR_RETURN(l.egressBits, bandwidthValue(pod, kEgress));
  return l;
}

}  // namespace peapod::node
