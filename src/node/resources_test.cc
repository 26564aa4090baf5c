#include "node/resources.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

api::Container ctr(std::map<std::string, std::string> requests, std::map<std::string, std::string> limits) {
  api::Container c;
  c.name = "c";
  for (auto& [k, v] : requests) c.resources.requests[k] = api::Quantity{v};
  for (auto& [k, v] : limits) c.resources.limits[k] = api::Quantity{v};
  return c;
}

api::PodSpec pod(std::vector<api::Container> cs, std::vector<api::Container> init = {}) {
  api::PodSpec s;
  s.containers = std::move(cs);
  s.initContainers = std::move(init);
  return s;
}

TEST(QosClass, KubernetesRules) {
  struct Case {
    const char* name;
    api::PodSpec spec;
    const char* want;
  } cases[] = {
      {"nothing", pod({ctr({}, {})}), "BestEffort"},
      {"zero requests", pod({ctr({{"cpu", "0"}}, {})}), "BestEffort"},
      {"only other resources", pod({ctr({{"ephemeral-storage", "1Gi"}}, {})}), "BestEffort"},
      {"limits equal requests", pod({ctr({{"cpu", "500m"}, {"memory", "64Mi"}}, {{"cpu", "500m"}, {"memory", "64Mi"}})}),
       "Guaranteed"},
      {"limits only (requests default to them)", pod({ctr({}, {{"cpu", "1"}, {"memory", "1Gi"}})}), "Guaranteed"},
      {"equal in another spelling", pod({ctr({{"cpu", "1"}}, {{"cpu", "1000m"}, {"memory", "1Gi"}})}), "Guaranteed"},
      {"request below limit", pod({ctr({{"cpu", "250m"}}, {{"cpu", "500m"}, {"memory", "64Mi"}})}), "Burstable"},
      {"memory limit only", pod({ctr({}, {{"memory", "64Mi"}})}), "Burstable"},
      {"request only", pod({ctr({{"cpu", "100m"}}, {})}), "Burstable"},
      {"one guaranteed, one best effort",
       pod({ctr({}, {{"cpu", "1"}, {"memory", "1Gi"}}), ctr({}, {})}), "Burstable"},
      {"init container counts", pod({ctr({}, {{"cpu", "1"}, {"memory", "1Gi"}})}, {ctr({{"cpu", "1"}}, {})}),
       "Burstable"},
  };
  for (const auto& c : cases) EXPECT_EQ(qosClass(c.spec), c.want) << c.name;
}

TEST(CpuConversions, SharesAndQuotaLikeTheKubelet) {
  EXPECT_EQ(milliCpuToShares(0), 2u);
  EXPECT_EQ(milliCpuToShares(1), 2u);
  EXPECT_EQ(milliCpuToShares(250), 256u);
  EXPECT_EQ(milliCpuToShares(1000), 1024u);
  EXPECT_EQ(milliCpuToShares(1000000), 262144u);
  EXPECT_EQ(milliCpuToQuota(0), 0);
  EXPECT_EQ(milliCpuToQuota(5), 1000);  // at least 1 ms
  EXPECT_EQ(milliCpuToQuota(250), 25000);
  EXPECT_EQ(milliCpuToQuota(2000), 200000);
}

TEST(ContainerCgroupLimits, FromRequestsAndLimits) {
  auto l = containerCgroupLimits(ctr({{"cpu", "250m"}}, {{"cpu", "500m"}, {"memory", "32Mi"}}));
  EXPECT_EQ(l.cpuShares, 256u);
  EXPECT_EQ(l.cpuQuotaUs, 50000);
  EXPECT_EQ(l.cpuPeriodUs, 100000u);
  EXPECT_EQ(l.memoryBytes, 32 << 20);
  auto none = containerCgroupLimits(ctr({}, {}));
  EXPECT_EQ(none.cpuShares, 2u);  // best effort
  EXPECT_FALSE(none.cpuQuotaUs);
  EXPECT_FALSE(none.memoryBytes);
  EXPECT_EQ(containerCgroupLimits(ctr({}, {{"cpu", "2"}})).cpuShares, 2048u);  // request defaults to limit
}

TEST(PodCgroupLimits, SumsWhenEveryContainerDeclaresALimit) {
  auto g = podCgroupLimits(pod({ctr({}, {{"cpu", "500m"}, {"memory", "64Mi"}}), ctr({}, {{"cpu", "1"}, {"memory", "64Mi"}})}));
  EXPECT_EQ(g.cpuShares, 1536u);
  EXPECT_EQ(g.cpuQuotaUs, 150000);
  EXPECT_EQ(g.memoryBytes, 128 << 20);
  // Burstable: one container without a memory limit means no pod memory limit.
  auto b = podCgroupLimits(pod({ctr({{"cpu", "100m"}}, {{"memory", "64Mi"}}), ctr({{"memory", "1Mi"}}, {})}));
  EXPECT_EQ(b.cpuShares, 102u);
  EXPECT_FALSE(b.memoryBytes);
  EXPECT_FALSE(b.cpuQuotaUs);
  // Best effort.
  auto e = podCgroupLimits(pod({ctr({}, {})}));
  EXPECT_EQ(e.cpuShares, 2u);
  EXPECT_FALSE(e.memoryBytes);
  // An init container larger than the apps sets the floor.
  auto i = podCgroupLimits(pod({ctr({}, {{"cpu", "100m"}, {"memory", "10Mi"}})}, {ctr({}, {{"cpu", "1"}, {"memory", "1Gi"}})}));
  EXPECT_EQ(i.cpuQuotaUs, 100000);
  EXPECT_EQ(i.memoryBytes, 1 << 30);
}

}  // namespace
}  // namespace peapod::node
