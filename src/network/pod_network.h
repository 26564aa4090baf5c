// Attaches a pod's network namespace to the node bridge: veth with its peer created
// directly in the pod netns as eth0, address, loopback, default route.
#pragma once

#include <string>

#include "base/result.h"
#include "network/bridge.h"

namespace peapod::network {

struct PodInterface {
  std::string ip;
  int prefixLength = 0;
  std::string gateway;
  std::string hostVeth;
};

// 1. host: create veth `hostVethName` (enslaved to the bridge, up) with its peer `eth0`
//    created directly inside `podNetnsFd`;
// 2. pod netns: `lo` up, `ip/prefix` on eth0, eth0 up, default route via the gateway.
// The bridge must exist (ensureBridge). Never delete the veth on teardown: destroying
// the pod netns removes both ends for free, which is why host names must be unique per
// pod start (the old name stays taken for ~30 ms after the netns goes).
Result<PodInterface> attachPod(const BridgeConfig& config, int podNetnsFd, const std::string& ip,
                               const std::string& hostVethName);

// A unique host-side veth name: "pp" + 10 random hex chars (12 <= IFNAMSIZ-1).
std::string makeHostVethName();

}  // namespace peapod::network
