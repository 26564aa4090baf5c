// What a pod asks of the node's network, read from its spec: hostPort mappings and the
// bandwidth annotations. Pure: no I/O.
#pragma once

#include <vector>

#include "api/types.h"
#include "base/result.h"
#include "network/bandwidth.h"
#include "network/host_ports.h"

namespace peapod::node {

// Every app container port with a hostPort (the kubelet's MakePortMappings; 0 means none).
std::vector<network::PortMapping> podHostPorts(const api::Pod& pod);

// kubernetes.io/ingress-bandwidth and kubernetes.io/egress-bandwidth as bits per second (the
// kubelet's ExtractPodBandwidthResources): a Quantity between 1k and 1P, else an error.
Result<network::BandwidthLimits> podBandwidth(const api::Pod& pod);

}  // namespace peapod::node
