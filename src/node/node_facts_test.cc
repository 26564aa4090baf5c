#include "node/node_facts.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

TEST(NodeFacts, KubernetesServiceAddressComesFromTheConfig) {
  NodeConfig config;
  config.dataDir = "/";
  auto facts = discoverNodeFacts(config);
  EXPECT_EQ(facts.kubernetesServiceHost, "10.96.0.1");  // the kubeadm default
  EXPECT_EQ(facts.kubernetesServicePort, 443);
  EXPECT_GT(facts.cpuMillis, 0);

  config.kubernetesService = "172.30.0.1:6443";
  facts = discoverNodeFacts(config);
  EXPECT_EQ(facts.kubernetesServiceHost, "172.30.0.1");
  EXPECT_EQ(facts.kubernetesServicePort, 6443);
}

}  // namespace
}  // namespace peapod::node
