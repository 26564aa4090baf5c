// The pod's /etc/hosts, /etc/resolv.conf and /etc/hostname contents, as the kubelet
// (and the container runtime under it) write them. Pure string builders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peapod::network {

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

// The kubelet's managed hosts file (kubelet_pods.go managedHostsFileContent). With a
// non-empty fqdn (hostname.subdomain.ns.svc.domain) the pod line is "ip\tfqdn\thostname".
std::string hostsFile(const std::string& podIP, const std::string& hostname,
                      const std::string& fqdnOrEmpty, const std::vector<HostAlias>& aliases);

// hostNetwork pods: the node's hosts file under the "(host network)" header, plus the
// HostAliases section (kubelet nodeHostsFileContent).
std::string hostNetworkHostsFile(std::string_view nodeHostsContents,
                                 const std::vector<HostAlias>& aliases);

struct ResolvConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;

  bool operator==(const ResolvConfig&) const = default;
};

// Limits the kubelet applies (pkg/apis/core/validation, ExpandedDNSConfig GA).
inline constexpr size_t kMaxDNSNameservers = 3;
inline constexpr size_t kMaxDNSSearchPaths = 32;
inline constexpr size_t kMaxDNSSearchListChars = 2048;

// resolv.conf text in containerd's order: "search", "nameserver" lines, "options".
std::string resolvConf(const ResolvConfig& config);

// Parses a resolv.conf as the kubelet does: nameservers accumulate, the last
// search/options line wins, search domains lose a trailing dot, '#' lines are skipped.
ResolvConfig hostResolvConf(std::string_view contents);

// dnsPolicy ClusterFirst: nameservers = clusterDNS, searches = "<ns>.svc.<domain>
// svc.<domain> <domain>" + host searches (deduplicated), options ndots:5. With no
// clusterDNS the kubelet falls back to the host config (dnsPolicy Default). Limits applied.
ResolvConfig clusterFirst(const std::string& podNamespace, const std::string& clusterDomain,
                          const std::vector<std::string>& clusterDNS, const ResolvConfig& host);

// The pod's spec.dnsConfig on top of a base (kubelet appendDNSConfig): nameservers and
// searches appended without duplicates; options ("name" or "name:value") merged by name,
// the pod's value winning, in first-seen order (the kubelet's order is Go map order, i.e.
// unspecified). Limits applied. For dnsPolicy None pass an empty base.
ResolvConfig appendPodDNSConfig(const ResolvConfig& base, const ResolvConfig& podDNSConfig);

// What the pod's resolv.conf is made of (the kubelet's GetPodDNS inputs).
struct PodDNSParams {
  std::string dnsPolicy;  // ClusterFirst (also ""), ClusterFirstWithHostNet, Default, None
  bool hostNetwork = false;
  std::string podNamespace;
  std::string clusterDomain;
  std::vector<std::string> clusterDNS;
  ResolvConfig host;  // the node's resolv.conf (hostResolvConf)
  const ResolvConfig* podDNSConfig = nullptr;  // spec.dnsConfig, options as "name[:value]"
};
// The kubelet's GetPodDNS: the base by policy — None: empty; ClusterFirstWithHostNet, and
// ClusterFirst without hostNetwork: clusterFirst(); Default, and ClusterFirst with hostNetwork:
// the host's — then spec.dnsConfig appended (for every policy), then the limits.
ResolvConfig podDNS(const PodDNSParams& params);

// Trims to kMaxDNSNameservers nameservers and the kubelet's search limits (32 paths,
// none over 253 chars, 2048 chars in all).
ResolvConfig fitLimits(ResolvConfig config);

// "name\n".
std::string hostnameFile(const std::string& hostname);

}  // namespace peapod::network
