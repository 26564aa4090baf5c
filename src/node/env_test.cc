#include "node/env.h"

#include <gtest/gtest.h>

#include <map>

namespace peapod::node {
namespace {

std::string expand(const std::string& in) {
  std::map<std::string, std::string> vars = {{"VAR_A", "A"}, {"VAR_B", "B"}, {"VAR_EMPTY", ""}};
  return expandVars(in, [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ExpandVars, KubernetesExpansionRules) {
  // Cases from Kubernetes' third_party/forked/golang/expansion tests.
  struct Case {
    std::string in, want;
  };
  std::vector<Case> cases = {
      {"$(VAR_A)", "A"},
      {"___$(VAR_B)___", "___B___"},
      {"$(VAR_A)-$(VAR_B)", "A-B"},
      {"$(VAR_EMPTY)", ""},
      {"$(UNKNOWN)", "$(UNKNOWN)"},
      {"$$(VAR_A)", "$(VAR_A)"},
      {"$$$(VAR_A)", "$A"},
      {"$$$$(VAR_A)", "$$(VAR_A)"},
      {"$(VAR_A", "$(VAR_A"},
      {"$VAR_A", "$VAR_A"},
      {"foo$", "foo$"},
      {"$()", "$()"},
      {"plain", "plain"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(expand(c.in), c.want) << c.in;
}

api::Pod samplePod() {
  api::Pod p;
  p.metadata.name = "web";
  p.metadata.namespace_ = "prod";
  p.metadata.uid = "u-1";
  p.metadata.labels = {{"app", "web"}};
  p.metadata.annotations = {{"team", "core"}};
  p.spec.nodeName = "node1";
  p.spec.serviceAccountName = "default";
  p.status.hostIP = "192.0.2.1";
  p.status.podIP = "10.88.0.5";
  p.status.podIPs = {{"10.88.0.5"}};
  return p;
}

TEST(PodFieldValue, DownwardApiPaths) {
  auto p = samplePod();
  std::map<std::string, std::string> want = {
      {"metadata.name", "web"},          {"metadata.namespace", "prod"},     {"metadata.uid", "u-1"},
      {"metadata.labels['app']", "web"}, {"metadata.annotations['team']", "core"},
      {"metadata.labels['none']", ""},   {"spec.nodeName", "node1"},         {"spec.serviceAccountName", "default"},
      {"status.hostIP", "192.0.2.1"},    {"status.podIP", "10.88.0.5"},      {"status.podIPs", "10.88.0.5"},
  };
  for (const auto& [path, value] : want) {
    auto v = podFieldValue(p, path);
    ASSERT_TRUE(v.ok()) << path;
    EXPECT_EQ(*v, value) << path;
  }
  EXPECT_FALSE(podFieldValue(p, "spec.bogus").ok());
}

TEST(ResourceFieldValue, DivisorsAndNodeFallbacks) {
  api::Container c;
  c.resources.limits = {{"cpu", {"250m"}}, {"memory", {"64Mi"}}};
  c.resources.requests = {{"cpu", {"100m"}}};
  NodeFacts node;
  node.cpuMillis = 2000;
  node.memoryBytes = 1 << 30;
  auto v = [&](const std::string& res, const std::string& divisor) {
    api::ResourceFieldSelector s;
    s.resource = res;
    if (!divisor.empty()) s.divisor = api::Quantity{divisor};
    return *resourceFieldValue(c, s, node);
  };
  EXPECT_EQ(v("limits.cpu", ""), "1");  // rounded up to whole cores
  EXPECT_EQ(v("limits.cpu", "1m"), "250");
  EXPECT_EQ(v("requests.cpu", "1m"), "100");
  EXPECT_EQ(v("limits.memory", "1Mi"), "64");
  EXPECT_EQ(v("limits.memory", ""), "67108864");
  EXPECT_EQ(v("requests.memory", ""), "0");
  c.resources = {};
  EXPECT_EQ(v("limits.cpu", "1m"), "2000");  // unset limits are the node's allocatable
  EXPECT_EQ(v("limits.memory", "1Gi"), "1");
}

TEST(KubeletEnv, ServiceVarsThenExpandedContainerEnv) {
  api::Container c;
  c.env = {{"A", "x"},
           {"B", "$(A)-$(KUBERNETES_SERVICE_PORT)-$(LATER)"},
           {"LATER", "y"},
           {"NAME", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "metadata.name"}, {}}}};
  NodeFacts node;
  node.kubernetesServiceHost = "10.0.0.1";
  auto env = kubeletEnv(samplePod(), c, node);
  ASSERT_TRUE(env.ok());
  auto s = serviceEnv(node);
  ASSERT_EQ(env->size(), s.size() + 4);
  EXPECT_EQ((*env)[0], "KUBERNETES_SERVICE_HOST=10.0.0.1");
  EXPECT_EQ((*env)[s.size() + 1], "B=x-443-$(LATER)");  // only earlier names expand
  EXPECT_EQ((*env)[s.size() + 3], "NAME=web");
}

TEST(ServiceEnv, TheKubernetesServiceFamily) {
  NodeFacts node;
  auto env = serviceEnv(node);
  EXPECT_NE(std::find(env.begin(), env.end(), "KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "KUBERNETES_PORT_443_TCP_PROTO=tcp"), env.end());
}

}  // namespace
}  // namespace peapod::node
