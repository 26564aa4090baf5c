// Unit tests for podHostPorts and podBandwidth.
#include <gtest/gtest.h>

#include "node/sandbox_network.h"

namespace peapod::node {
namespace {

TEST(PodHostPorts, OnlyPortsWithAHostPort) {
  api::Pod pod;
  api::Container c;
  c.ports.push_back({"http", 8080, 80, "TCP", ""});
  c.ports.push_back({"metrics", std::nullopt, 9090, "TCP", ""});
  c.ports.push_back({"zero", 0, 9091, "TCP", ""});
  c.ports.push_back({"dns", 5353, 53, "UDP", "127.0.0.1"});
  pod.spec.containers.push_back(c);
  auto ports = podHostPorts(pod);
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].str(), "TCP 0.0.0.0:8080");
  EXPECT_EQ(ports[0].containerPort, 80);
  EXPECT_EQ(ports[1].str(), "UDP 127.0.0.1:5353");
}

TEST(PodBandwidth, SeedAnnotations) {
  api::Pod pod;
  EXPECT_TRUE(podBandwidth(pod)->empty());
  pod.metadata.annotations["kubernetes.io/ingress-bandwidth"] = "3M";
  pod.metadata.annotations["kubernetes.io/egress-bandwidth"] = "4M";
  auto l = podBandwidth(pod);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->ingressBits, 3'000'000u);
  EXPECT_EQ(l->egressBits, 4'000'000u);
}

TEST(PodBandwidth, UnreasonableValuesAreErrors) {
  api::Pod pod;
  pod.metadata.annotations["kubernetes.io/ingress-bandwidth"] = "10";
  EXPECT_EQ(podBandwidth(pod).error().message(),
            "kubernetes.io/ingress-bandwidth: resource is unreasonably small (< 1kbit)");
  pod.metadata.annotations["kubernetes.io/ingress-bandwidth"] = "2P";
  EXPECT_EQ(podBandwidth(pod).error().message(),
            "kubernetes.io/ingress-bandwidth: resource is unreasonably large (> 1Pbit)");
  pod.metadata.annotations["kubernetes.io/ingress-bandwidth"] = "fast";
  EXPECT_FALSE(podBandwidth(pod).ok());
}

}  // namespace
}  // namespace peapod::node
