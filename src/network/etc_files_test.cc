// Unit tests for the hosts / resolv.conf / hostname builders against the kubelet's text.
#include "network/etc_files.h"

#include <gtest/gtest.h>

namespace peapod::network {
namespace {

constexpr char kHeader[] =
    "# Kubernetes-managed hosts file.\n"
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "fe00::0\tip6-mcastprefix\n"
    "fe00::1\tip6-allnodes\n"
    "fe00::2\tip6-allrouters\n";

TEST(HostsFile, Plain) {
  EXPECT_EQ(hostsFile("10.200.0.4", "nginx", "", {}), std::string(kHeader) + "10.200.0.4\tnginx\n");
}

TEST(HostsFile, WithSubdomainFqdn) {
  EXPECT_EQ(hostsFile("10.88.0.9", "web-0", "web-0.web.default.svc.cluster.local", {}),
            std::string(kHeader) + "10.88.0.9\tweb-0.web.default.svc.cluster.local\tweb-0\n");
}

// The hostaliases-pod example of the Kubernetes docs. The doc shows one line per
// hostname with spaces and no HostAliases header (an old kubelet); the current kubelet
// writes a blank line, a header and one tab-separated line per IP.
TEST(HostsFile, SeedExampleWithHostAliases) {
  std::vector<HostAlias> aliases = {{"127.0.0.1", {"foo.local", "bar.local"}},
                                    {"10.1.2.3", {"foo.remote", "bar.remote"}}};
  EXPECT_EQ(hostsFile("10.244.1.5", "hostaliases-pod", "", aliases),
            "# Kubernetes-managed hosts file.\n"
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\n"
            "fe00::0\tip6-mcastprefix\n"
            "fe00::1\tip6-allnodes\n"
            "fe00::2\tip6-allrouters\n"
            "10.244.1.5\thostaliases-pod\n"
            "\n"
            "# Entries added by HostAliases.\n"
            "127.0.0.1\tfoo.local\tbar.local\n"
            "10.1.2.3\tfoo.remote\tbar.remote\n");
}

TEST(HostsFile, HostNetwork) {
  EXPECT_EQ(hostNetworkHostsFile("127.0.0.1 localhost\n10.0.0.5 node1\n", {}),
            "# Kubernetes-managed hosts file (host network).\n"
            "127.0.0.1 localhost\n10.0.0.5 node1\n");
  EXPECT_EQ(hostNetworkHostsFile("127.0.0.1 localhost\n", {{"10.1.2.3", {"db"}}}),
            "# Kubernetes-managed hosts file (host network).\n"
            "127.0.0.1 localhost\n"
            "\n# Entries added by HostAliases.\n"
            "10.1.2.3\tdb\n");
}

TEST(Hostname, Newline) { EXPECT_EQ(hostnameFile("busybox"), "busybox\n"); }

TEST(ResolvConf, ParsesHostFileLikeKubelet) {
  ResolvConfig c = hostResolvConf(
      "# generated\n"
      "nameserver 10.0.0.10\n"
      "  nameserver\t10.0.0.11   # second\n"
      "nameserver\n"
      "search old.example\n"
      "search corp.example. example.com\n"
      "options timeout:1\n"
      "options ndots:2 attempts:3\n"
      "domain ignored.example");
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"10.0.0.10", "10.0.0.11"}));
  EXPECT_EQ(c.searches, (std::vector<std::string>{"corp.example", "example.com"}));
  EXPECT_EQ(c.options, (std::vector<std::string>{"ndots:2", "attempts:3"}));
  EXPECT_EQ(hostResolvConf(""), ResolvConfig{});
}

TEST(ResolvConf, Renders) {
  ResolvConfig c{{"10.96.0.10"}, {"default.svc.cluster.local", "svc.cluster.local"}, {"ndots:5"}};
  EXPECT_EQ(resolvConf(c),
            "search default.svc.cluster.local svc.cluster.local\n"
            "nameserver 10.96.0.10\n"
            "options ndots:5\n");
  EXPECT_EQ(resolvConf({{"1.1.1.1", "8.8.8.8"}, {}, {}}), "nameserver 1.1.1.1\nnameserver 8.8.8.8\n");
  EXPECT_EQ(resolvConf({}), "");
}

TEST(ResolvConf, ClusterFirst) {
  ResolvConfig host = hostResolvConf(
      "nameserver 192.168.1.1\nsearch corp.example cluster.local\noptions rotate\n");
  ResolvConfig c = clusterFirst("team-a", "cluster.local", {"10.96.0.10"}, host);
  EXPECT_EQ(c.nameservers, std::vector<std::string>{"10.96.0.10"});
  EXPECT_EQ(c.searches, (std::vector<std::string>{"team-a.svc.cluster.local", "svc.cluster.local",
                                                  "cluster.local", "corp.example"}));
  EXPECT_EQ(c.options, std::vector<std::string>{"ndots:5"});
  EXPECT_EQ(resolvConf(c),
            "search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
            "nameserver 10.96.0.10\n"
            "options ndots:5\n");
}

TEST(ResolvConf, ClusterFirstWithoutClusterDnsFallsBackToHost) {
  ResolvConfig host{{"192.168.1.1"}, {"corp.example"}, {"rotate"}};
  EXPECT_EQ(clusterFirst("default", "cluster.local", {}, host), host);
}

TEST(ResolvConf, ClusterFirstWithoutDomainKeepsHostSearches) {
  ResolvConfig host{{"192.168.1.1"}, {"corp.example"}, {}};
  ResolvConfig c = clusterFirst("default", "", {"10.96.0.10"}, host);
  EXPECT_EQ(c.searches, std::vector<std::string>{"corp.example"});
}

TEST(ResolvConf, AppendPodDnsConfig) {
  ResolvConfig base{{"10.96.0.10"}, {"ns1.svc.cluster.local", "svc.cluster.local"}, {"ndots:5"}};
  ResolvConfig pod{{"1.2.3.4", "10.96.0.10"}, {"ns1.svc.cluster.local", "my.dns.search.suffix"},
                   {"ndots:2", "edns0"}};
  ResolvConfig c = appendPodDNSConfig(base, pod);
  EXPECT_EQ(c.nameservers, (std::vector<std::string>{"10.96.0.10", "1.2.3.4"}));
  EXPECT_EQ(c.searches, (std::vector<std::string>{"ns1.svc.cluster.local", "svc.cluster.local",
                                                  "my.dns.search.suffix"}));
  EXPECT_EQ(c.options, (std::vector<std::string>{"ndots:2", "edns0"}));
  // dnsPolicy None: only the pod's own config.
  EXPECT_EQ(appendPodDNSConfig({}, {{"1.2.3.4"}, {"ns1.svc.cluster-domain.example"}, {"ndots:2"}}),
            (ResolvConfig{{"1.2.3.4"}, {"ns1.svc.cluster-domain.example"}, {"ndots:2"}}));
}

TEST(ResolvConf, Limits) {
  ResolvConfig c;
  c.nameservers = {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"};
  for (int i = 0; i < 40; ++i) c.searches.push_back("d" + std::to_string(i) + ".example");
  c.searches.insert(c.searches.begin() + 1, std::string(254, 'x'));  // dropped: > 253 chars
  ResolvConfig f = fitLimits(c);
  EXPECT_EQ(f.nameservers, (std::vector<std::string>{"1.1.1.1", "2.2.2.2", "3.3.3.3"}));
  ASSERT_EQ(f.searches.size(), 31u);  // 32 kept, then the long one dropped
  EXPECT_EQ(f.searches[0], "d0.example");
  EXPECT_EQ(f.searches[1], "d1.example");

  ResolvConfig longLine;
  for (int i = 0; i < 30; ++i) longLine.searches.push_back(std::string(99, 'a' + i % 26));
  // 30 * 100 - 1 = 2999 chars: trailing domains go until <= 2048 (20 * 100 - 1 = 1999).
  EXPECT_EQ(fitLimits(longLine).searches.size(), 20u);
}

}  // namespace
}  // namespace peapod::network
