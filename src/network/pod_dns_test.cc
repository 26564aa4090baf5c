// Unit tests for podDNS: the base each dnsPolicy picks and how spec.dnsConfig merges into it.
#include <gtest/gtest.h>

#include "network/etc_files.h"

namespace peapod::network {
namespace {

const ResolvConfig kHost{{"192.168.1.1"}, {"corp.example"}, {"rotate"}};

PodDNSParams params(std::string policy, bool hostNetwork = false) {
  PodDNSParams p;
  p.dnsPolicy = std::move(policy);
  p.hostNetwork = hostNetwork;
  p.podNamespace = "team-a";
  p.clusterDomain = "cluster.local";
  p.clusterDNS = {"10.96.0.10"};
  p.host = kHost;
  return p;
}

const ResolvConfig kCluster{{"10.96.0.10"},
                            {"team-a.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"},
                            {"ndots:5"}};

TEST(PodDNS, ClusterFirstIsTheDefaultPolicy) {
  EXPECT_EQ(podDNS(params("ClusterFirst")), kCluster);
  EXPECT_EQ(podDNS(params("")), kCluster);
}

TEST(PodDNS, DefaultIsTheHost) { EXPECT_EQ(podDNS(params("Default")), kHost); }

TEST(PodDNS, ClusterFirstOnHostNetworkFallsBackToDefault) {
  EXPECT_EQ(podDNS(params("ClusterFirst", true)), kHost);
  EXPECT_EQ(podDNS(params("ClusterFirstWithHostNet", true)), kCluster);
  EXPECT_EQ(podDNS(params("ClusterFirstWithHostNet", false)), kCluster);
}

TEST(PodDNS, ClusterFirstWithoutClusterDNSIsTheHost) {
  auto p = params("ClusterFirst");
  p.clusterDNS.clear();
  EXPECT_EQ(podDNS(p), kHost);
}

TEST(PodDNS, NoneIsOnlyTheDnsConfig) {
  // The seed's dns-example pod.
  ResolvConfig pod{{"1.2.3.4"}, {"ns1.svc.cluster.local", "my.dns.search.suffix"}, {"ndots:2", "edns0"}};
  auto p = params("None");
  p.podDNSConfig = &pod;
  EXPECT_EQ(podDNS(p), pod);
  EXPECT_EQ(resolvConf(podDNS(p)),
            "search ns1.svc.cluster.local my.dns.search.suffix\n"
            "nameserver 1.2.3.4\n"
            "options ndots:2 edns0\n");
  p.podDNSConfig = nullptr;
  EXPECT_EQ(podDNS(p), ResolvConfig{});
}

TEST(PodDNS, DnsConfigMergesIntoEveryPolicy) {
  ResolvConfig pod{{"10.96.0.10", "1.2.3.4"}, {"svc.cluster.local", "extra.example"}, {"ndots:2", "edns0"}};
  auto p = params("ClusterFirst");
  p.podDNSConfig = &pod;
  ResolvConfig c = podDNS(p);
  // Duplicates dropped, the pod's entries after the base's.
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"10.96.0.10", "1.2.3.4"}));
  EXPECT_EQ(c.searches, (std::vector<std::string>{"team-a.svc.cluster.local", "svc.cluster.local", "cluster.local",
                                                  "corp.example", "extra.example"}));
  // ndots overridden by name in place, edns0 added.
  EXPECT_EQ(c.options, (std::vector<std::string>{"ndots:2", "edns0"}));

  auto d = params("Default");
  d.podDNSConfig = &pod;
  ResolvConfig h = podDNS(d);
  EXPECT_EQ(h.nameservers, (std::vector<std::string>{"192.168.1.1", "10.96.0.10", "1.2.3.4"}));
  EXPECT_EQ(h.options, (std::vector<std::string>{"rotate", "ndots:2", "edns0"}));
}

TEST(PodDNS, OptionWithoutValueReplacesOneWithValue) {
  ResolvConfig pod{{}, {}, {"ndots"}};
  auto p = params("ClusterFirst");
  p.podDNSConfig = &pod;
  EXPECT_EQ(podDNS(p).options, std::vector<std::string>{"ndots"});
}

TEST(PodDNS, LimitsApplyAfterTheMerge) {
  ResolvConfig pod{{"1.1.1.1", "2.2.2.2", "3.3.3.3"}, {}, {}};
  for (int i = 0; i < 40; ++i) pod.searches.push_back("s" + std::to_string(i) + ".example");
  auto p = params("ClusterFirst");
  p.podDNSConfig = &pod;
  ResolvConfig c = podDNS(p);
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"10.96.0.10", "1.1.1.1", "2.2.2.2"}));
  ASSERT_EQ(c.searches.size(), kMaxDNSSearchPaths);
  EXPECT_EQ(c.searches[0], "team-a.svc.cluster.local");
  EXPECT_EQ(c.searches.back(), "s27.example");  // 4 from the base + 28 of the pod's
}

}  // namespace
}  // namespace peapod::network
