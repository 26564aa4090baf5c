// The kubelet's resource rules as pure functions: QoS class, and requests/limits to cgroup
// values for a container and for the pod cgroup (pkg/kubelet/cm and kuberuntime).
#pragma once

#include <cstdint>
#include <string>

#include "api/types.h"
#include "sys/cgroup.h"

namespace peapod::node {

inline constexpr uint64_t kCpuPeriodUs = 100000;  // the CFS period the kubelet uses
inline constexpr uint64_t kMinShares = 2, kMaxShares = 262144;
inline constexpr int64_t kMinQuotaUs = 1000;

// milli-CPU to cpu.shares: 1024 per CPU, clamped to [2, 262144]; 0 (no request) gives 2.
uint64_t milliCpuToShares(int64_t milliCpu);
// milli-CPU limit to a CFS quota for `period`: 0 = no quota; at least 1 ms.
int64_t milliCpuToQuota(int64_t milliCpu, uint64_t period = kCpuPeriodUs);

// Guaranteed, Burstable or BestEffort, by the rules of Kubernetes' GetPodQOS (cpu and memory
// only; a request left out defaults to its limit, as the API server defaults it).
std::string qosClass(const api::PodSpec& spec);

// A container's cgroup: cpu.shares from its cpu request (or limit), a quota from its cpu limit,
// the memory limit.
sys::CgroupLimits containerCgroupLimits(const api::Container& c);

// The pod cgroup (ResourceConfigForPod): requests are max(sum of app containers, largest init
// container); limits count only when every container declares one. BestEffort pods get 2 shares.
sys::CgroupLimits podCgroupLimits(const api::PodSpec& spec);

}  // namespace peapod::node
