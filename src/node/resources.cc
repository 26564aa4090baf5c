#include "node/resources.h"

#include <algorithm>
#include <map>
#include <optional>

#include "api/quantity.h"

namespace peapod::node {
namespace {

std::optional<int64_t> milli(const api::ResourceList& l, const char* name) {
  auto it = l.find(name);
  if (it == l.end()) return std::nullopt;
  return api::quantityMilliValue(it->second);
}

std::optional<int64_t> whole(const api::ResourceList& l, const char* name) {
  auto it = l.find(name);
  if (it == l.end()) return std::nullopt;
  return api::quantityValue(it->second);
}

// The request the API server would have stored: the request, else the limit.
std::optional<int64_t> request(const api::Container& c, const char* name, bool inMilli) {
  auto get = inMilli ? milli : whole;
  auto r = get(c.resources.requests, name);
  return r ? r : get(c.resources.limits, name);
}

template <class F>
void forEach(const api::PodSpec& spec, F f) {
  for (const auto& c : spec.initContainers) f(c, true);
  for (const auto& c : spec.containers) f(c, false);
}

}  // namespace

uint64_t milliCpuToShares(int64_t milliCpu) {
  if (milliCpu <= 0) return kMinShares;
  uint64_t shares = static_cast<uint64_t>(milliCpu) * 1024 / 1000;
  return std::clamp(shares, kMinShares, kMaxShares);
}

int64_t milliCpuToQuota(int64_t milliCpu, uint64_t period) {
  if (milliCpu <= 0) return 0;
  int64_t quota = milliCpu * static_cast<int64_t>(period) / 1000;
  return std::max(quota, kMinQuotaUs);
}

std::string qosClass(const api::PodSpec& spec) {
  std::map<std::string, int64_t> requests, limits;
  bool guaranteed = true;
  forEach(spec, [&](const api::Container& c, bool) {
    bool cpuLimit = false, memLimit = false;
    for (const char* name : {"cpu", "memory"}) {
      auto lim = milli(c.resources.limits, name);
      auto req = milli(c.resources.requests, name);
      if (!req) req = lim;  // API defaulting
      if (req && *req != 0) requests[name] += *req;
      if (lim && *lim != 0) {
        limits[name] += *lim;
        (std::string(name) == "cpu" ? cpuLimit : memLimit) = true;
      }
    }
    if (!cpuLimit || !memLimit) guaranteed = false;
  });
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, r] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second != r) guaranteed = false;
    }
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

sys::CgroupLimits containerCgroupLimits(const api::Container& c) {
  sys::CgroupLimits l;
  l.cpuShares = milliCpuToShares(request(c, "cpu", true).value_or(0));
  if (auto lim = milli(c.resources.limits, "cpu"); lim && *lim > 0) {
    l.cpuQuotaUs = milliCpuToQuota(*lim);
    l.cpuPeriodUs = kCpuPeriodUs;
  }
  if (auto mem = whole(c.resources.limits, "memory"); mem && *mem > 0) l.memoryBytes = *mem;
  return l;
}

sys::CgroupLimits podCgroupLimits(const api::PodSpec& spec) {
  int64_t cpuReq = 0, cpuLim = 0, memLim = 0, initCpuReq = 0, initCpuLim = 0, initMemLim = 0;
  bool cpuLimitsDeclared = true, memoryLimitsDeclared = true;
  forEach(spec, [&](const api::Container& c, bool init) {
    auto req = request(c, "cpu", true).value_or(0);
    auto cl = milli(c.resources.limits, "cpu");
    auto ml = whole(c.resources.limits, "memory");
    if (!cl || *cl == 0) cpuLimitsDeclared = false;
    if (!ml || *ml == 0) memoryLimitsDeclared = false;
    // Regular init containers run one at a time: the largest counts; sidecars run alongside.
    bool sequential = init && c.restartPolicy.value_or("") != "Always";
    if (sequential) {
      initCpuReq = std::max(initCpuReq, req);
      initCpuLim = std::max(initCpuLim, cl.value_or(0));
      initMemLim = std::max(initMemLim, ml.value_or(0));
    } else {
      cpuReq += req;
      cpuLim += cl.value_or(0);
      memLim += ml.value_or(0);
    }
  });
  cpuReq = std::max(cpuReq, initCpuReq);
  cpuLim = std::max(cpuLim, initCpuLim);
  memLim = std::max(memLim, initMemLim);
  sys::CgroupLimits l;
  std::string qos = qosClass(spec);
  if (qos == "BestEffort") {
    l.cpuShares = kMinShares;
    return l;
  }
  l.cpuShares = milliCpuToShares(cpuReq);
  if (qos == "Guaranteed" || cpuLimitsDeclared) {
    l.cpuQuotaUs = milliCpuToQuota(cpuLim);
    l.cpuPeriodUs = kCpuPeriodUs;
  }
  if (qos == "Guaranteed" || memoryLimitsDeclared) l.memoryBytes = memLim;
  return l;
}

}  // namespace peapod::node
