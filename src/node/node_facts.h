// Facts about this machine the node reports to pods: its address, CPUs and memory.
#pragma once

#include "node/config.h"
#include "node/env.h"

namespace peapod::node {

// hostIP: the first IPv4 address of a non-loopback interface other than the pod bridge;
// allocatable = capacity (no reservations yet).
NodeFacts discoverNodeFacts(const NodeConfig& config);

}  // namespace peapod::node
