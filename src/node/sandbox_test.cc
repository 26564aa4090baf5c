// Unit tests for podHostnames: hostname, subdomain FQDN and setHostnameAsFQDN as the kubelet
// derives them.
#include <gtest/gtest.h>

#include "node/sandbox.h"

namespace peapod::node {
namespace {

api::Pod pod(std::string name, std::string hostname = "", std::string subdomain = "") {
  api::Pod p;
  p.metadata.name = std::move(name);
  p.metadata.namespace_ = "default";
  p.spec.hostname = std::move(hostname);
  p.spec.subdomain = std::move(subdomain);
  return p;
}

NodeConfig config() {
  NodeConfig c;
  c.clusterDomain = "cluster.local";
  return c;
}

TEST(PodHostnames, PodNameWithoutSubdomain) {
  auto n = podHostnames(config(), pod("web"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->hostname, "web");
  EXPECT_EQ(n->domain, "");
  EXPECT_EQ(n->fqdn(), "");
  EXPECT_EQ(n->kernel, "web");
}

TEST(PodHostnames, SeedSubdomainExample) {
  auto n = podHostnames(config(), pod("busybox2", "busybox-2", "default-subdomain"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->hostname, "busybox-2");
  EXPECT_EQ(n->fqdn(), "busybox-2.default-subdomain.default.svc.cluster.local");
  EXPECT_EQ(n->kernel, "busybox-2");  // without setHostnameAsFQDN the kernel keeps the short name
}

TEST(PodHostnames, SetHostnameAsFQDN) {
  auto p = pod("busybox2", "busybox-2", "default-subdomain");
  p.spec.setHostnameAsFQDN = true;
  auto n = podHostnames(config(), p);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->kernel, "busybox-2.default-subdomain.default.svc.cluster.local");
  // Without a subdomain there is no FQDN: the short name stays.
  auto plain = pod("solo");
  plain.spec.setHostnameAsFQDN = true;
  EXPECT_EQ(podHostnames(config(), plain)->kernel, "solo");
}

TEST(PodHostnames, FQDNOver64CharsFails) {
  auto p = pod("x", std::string(40, 'h'), "sub");
  p.spec.setHostnameAsFQDN = true;
  auto n = podHostnames(config(), p);  // 40 + ".sub.default.svc.cluster.local" (30) = 70
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message(),
            "failed to construct FQDN from pod hostname and cluster domain, FQDN " + std::string(40, 'h') +
                ".sub.default.svc.cluster.local is too long (64 characters is the max, 70 characters requested)");
  p.spec.hostname = std::string(34, 'h');  // exactly 64
  EXPECT_TRUE(podHostnames(config(), p).ok());
}

TEST(PodHostnames, LongPodNameTruncatedTo63) {
  auto n = podHostnames(config(), pod(std::string(70, 'a')));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->hostname, std::string(63, 'a'));
}

TEST(PodHostnames, HostNetworkKeepsTheNodeHostname) {
  auto p = pod("hostnet", "", "sub");
  p.spec.hostNetwork = true;
  p.spec.setHostnameAsFQDN = true;
  auto n = podHostnames(config(), p);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->kernel, "");
  EXPECT_EQ(n->hostname, "hostnet");
}

}  // namespace
}  // namespace peapod::node
