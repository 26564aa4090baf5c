// /etc/hosts, /etc/resolv.conf and /etc/hostname contents (see etc_files.h).
#include "network/etc_files.h"

#include <algorithm>
#include <set>
#include <cctype>

namespace peapod::network {
namespace {

constexpr size_t kDNS1123SubdomainMaxLength = 253;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<std::string> omitDuplicates(const std::vector<std::string>& v) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const std::string& s : v)
    if (seen.insert(s).second) out.push_back(s);
  return out;
}

std::vector<std::string> fields(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

// kubelet hostsEntriesFromHostAliases: one line per alias IP, hostnames tab-separated.
std::string aliasEntries(const std::vector<HostAlias>& aliases) {
  if (aliases.empty()) return "";
  std::string out = "\n# Entries added by HostAliases.\n";
  for (const HostAlias& a : aliases) out += a.ip + "\t" + join(a.hostnames, "\t") + "\n";
  return out;
}

std::string optionName(const std::string& option) { return option.substr(0, option.find(':')); }

}  // namespace

std::string hostsFile(const std::string& podIP, const std::string& hostname,
                      const std::string& fqdnOrEmpty, const std::vector<HostAlias>& aliases) {
  std::string out =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  if (!fqdnOrEmpty.empty())
    out += podIP + "\t" + fqdnOrEmpty + "\t" + hostname + "\n";
  else
    out += podIP + "\t" + hostname + "\n";
  out += aliasEntries(aliases);
  return out;
}

std::string hostNetworkHostsFile(std::string_view nodeHostsContents,
                                 const std::vector<HostAlias>& aliases) {
  std::string out = "# Kubernetes-managed hosts file (host network).\n";
  out += nodeHostsContents;
  out += aliasEntries(aliases);
  return out;
}

std::string resolvConf(const ResolvConfig& config) {
  std::string out;
  if (!config.searches.empty()) out += "search " + join(config.searches, " ") + "\n";
  for (const std::string& ns : config.nameservers) out += "nameserver " + ns + "\n";
  if (!config.options.empty()) out += "options " + join(config.options, " ") + "\n";
  return out;
}

ResolvConfig hostResolvConf(std::string_view contents) {
  ResolvConfig out;
  size_t pos = 0;
  while (pos <= contents.size()) {
    size_t nl = contents.find('\n', pos);
    std::string_view line =
        contents.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? contents.size() + 1 : nl + 1;
    std::vector<std::string> f = fields(line);
    if (f.empty() || f[0][0] == '#') continue;
    if (f[0] == "nameserver") {
      if (f.size() >= 2) out.nameservers.push_back(f[1]);
    } else if (f[0] == "search") {
      out.searches.clear();  // the last search line wins
      for (size_t i = 1; i < f.size(); ++i) {
        std::string s = f[i];
        if (!s.empty() && s.back() == '.') s.pop_back();
        out.searches.push_back(s);
      }
    } else if (f[0] == "options") {
      out.options.assign(f.begin() + 1, f.end());
    }
  }
  return out;
}

ResolvConfig clusterFirst(const std::string& podNamespace, const std::string& clusterDomain,
                          const std::vector<std::string>& clusterDNS, const ResolvConfig& host) {
  if (clusterDNS.empty()) return fitLimits(host);  // kubelet falls back to dnsPolicy Default
  ResolvConfig out;
  out.nameservers = clusterDNS;
  if (clusterDomain.empty()) {
    out.searches = host.searches;
  } else {
    out.searches = {podNamespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain};
    out.searches.insert(out.searches.end(), host.searches.begin(), host.searches.end());
    out.searches = omitDuplicates(out.searches);
  }
  out.options = {"ndots:5"};
  return fitLimits(std::move(out));
}

ResolvConfig appendPodDNSConfig(const ResolvConfig& base, const ResolvConfig& podDNSConfig) {
  ResolvConfig out = base;
  out.nameservers.insert(out.nameservers.end(), podDNSConfig.nameservers.begin(),
                         podDNSConfig.nameservers.end());
  out.nameservers = omitDuplicates(out.nameservers);
  out.searches.insert(out.searches.end(), podDNSConfig.searches.begin(),
                      podDNSConfig.searches.end());
  out.searches = omitDuplicates(out.searches);
  out.options.clear();
  for (const auto* list : {&base.options, &podDNSConfig.options}) {
    for (const std::string& opt : *list) {
      auto same = std::find_if(out.options.begin(), out.options.end(), [&](const std::string& o) {
        return optionName(o) == optionName(opt);
      });
      if (same != out.options.end())
        *same = opt;
      else
        out.options.push_back(opt);
    }
  }
  return fitLimits(std::move(out));
}

ResolvConfig podDNS(const PodDNSParams& p) {
  ResolvConfig base;
  const std::string& policy = p.dnsPolicy;
  if (policy == "None") {
    // empty base: the pod's dnsConfig is all of it
  } else if (policy == "ClusterFirstWithHostNet" ||
             ((policy.empty() || policy == "ClusterFirst") && !p.hostNetwork)) {
    base = clusterFirst(p.podNamespace, p.clusterDomain, p.clusterDNS, p.host);
  } else {
    base = p.host;  // Default, and ClusterFirst on the host network (the kubelet falls through)
  }
  if (p.podDNSConfig) return appendPodDNSConfig(base, *p.podDNSConfig);
  return fitLimits(std::move(base));
}

ResolvConfig fitLimits(ResolvConfig config) {
  if (config.nameservers.size() > kMaxDNSNameservers) config.nameservers.resize(kMaxDNSNameservers);
  auto& s = config.searches;
  if (s.size() > kMaxDNSSearchPaths) s.resize(kMaxDNSSearchPaths);
  // glibc aborts on a search path over 255 chars; the kubelet drops those.
  std::erase_if(s, [](const std::string& d) { return d.size() > kDNS1123SubdomainMaxLength; });
  // Then drop trailing domains until the joined line fits.
  size_t len = join(s, " ").size();
  while (!s.empty() && len > kMaxDNSSearchListChars) {
    len -= std::min(len, s.back().size() + 1);
    s.pop_back();
  }
  return config;
}

std::string hostnameFile(const std::string& hostname) { return hostname + "\n"; }

}  // namespace peapod::network
