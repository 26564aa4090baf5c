#include "node/node_facts.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace peapod::node {
namespace {

std::string primaryIPv4(const std::string& bridge) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK)) continue;
    if (bridge == a->ifa_name) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
    found = buf;
  }
  freeifaddrs(list);
  return found;
}

int64_t memTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  while (in >> key >> kb) {
    if (key == "MemTotal:") return kb * 1024;
    in.ignore(256, '\n');
  }
  return 0;
}

}  // namespace

NodeFacts discoverNodeFacts(const NodeConfig& config) {
  NodeFacts f;
  f.hostIP = primaryIPv4(config.bridge.name);
  // Validated by the daemon's flag parsing: "HOST:PORT" with a numeric port.
  if (size_t colon = config.kubernetesService.rfind(':'); colon != std::string::npos) {
    f.kubernetesServiceHost = config.kubernetesService.substr(0, colon);
    f.kubernetesServicePort = std::atoi(config.kubernetesService.c_str() + colon + 1);
  }
  f.cpuMillis = static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN)) * 1000;
  f.memoryBytes = memTotalBytes();
  struct statvfs st {};
  if (statvfs(config.dataDir.c_str(), &st) == 0) f.ephemeralBytes = static_cast<int64_t>(st.f_blocks) * st.f_frsize;
  return f;
}

}  // namespace peapod::node
