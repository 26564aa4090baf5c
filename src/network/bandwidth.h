// Pod bandwidth limits (kubernetes.io/ingress-bandwidth, kubernetes.io/egress-bandwidth) applied
// the way the CNI bandwidth plugin does, through rtnetlink: no `tc` process.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "sys/netlink.h"

namespace peapod::network {

struct BandwidthLimits {
  uint64_t ingressBits = 0;  // bits/s towards the pod; 0 = unlimited
  uint64_t egressBits = 0;   // bits/s from the pod; 0 = unlimited
  bool empty() const { return ingressBits == 0 && egressBits == 0; }
};

// The token bucket for a rate: burst = 100 ms of traffic (at least 16 KiB, so a full-size frame
// always fits), limit = 25 ms of queue (the CNI plugin's latency) on top of the burst.
sys::TbfSpec tbfFor(uint64_t bitsPerSecond);

// The ifb device that shapes a pod's egress, named after its host veth ("pp…" -> "pb…").
std::string ifbNameFor(const std::string& hostVeth);

// 1. ingress: a tbf root qdisc on the host-side veth (what leaves it enters the pod);
// 2. egress: an ifb device (up, tbf root qdisc) and, on the host veth, an ingress qdisc with a
//    u32 match-all filter redirecting every packet the pod sends to the ifb.
// On error the ifb is removed again; the veth's qdiscs go with the veth.
Status shapePod(const std::string& hostVeth, const BandwidthLimits& limits);

// Deletes the pod's ifb device; fine when there is none.
Status removePodShaping(const std::string& hostVeth);

}  // namespace peapod::network
