#include "server/node_object.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/time.h"
#include "server/pod_api.h"

namespace peapod::server {
namespace {

using nlohmann::json;

std::string firstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string memTotalKi() {
  std::ifstream in("/proc/meminfo");
  std::string key, value;
  while (in >> key >> value) {
    if (key == "MemTotal:") return value + "Ki";
    in.ignore(1 << 10, '\n');
  }
  return "0";
}

std::string osImage() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

// The first IPv4 address of an up, non-loopback interface that is not a peapod/container bridge.
std::string internalIP() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string out;
  for (ifaddrs* a = list; a && out.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_UP)) continue;
    std::string name = a->ifa_name;
    if (name.rfind("peapod", 0) == 0 || name.rfind("pp", 0) == 0 || name.rfind("veth", 0) == 0 ||
        name.rfind("docker", 0) == 0 || name.rfind("cni", 0) == 0) {
      continue;
    }
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
    out = buf;
  }
  freeifaddrs(list);
  return out;
}

std::string goArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine.rfind("arm", 0) == 0) return "arm";
  return machine;
}

}  // namespace

json describeThisNode(const std::string& name, const std::filesystem::path& dataDir) {
  utsname u{};
  uname(&u);
  std::string arch = goArch(u.machine);
  std::string cpus = std::to_string(sysconf(_SC_NPROCESSORS_ONLN));
  std::string storage = "0";
  struct statvfs vfs {};
  if (statvfs(dataDir.c_str(), &vfs) == 0) {
    storage = std::to_string(static_cast<unsigned long long>(vfs.f_blocks) * vfs.f_frsize / 1024) + "Ki";
  }
  json resources = {{"cpu", cpus}, {"memory", memTotalKi()}, {"pods", "110"}, {"ephemeral-storage", storage}};
  std::string now = formatRfc3339(WallClock::now());
  auto condition = [&](const char* type, const char* status, const char* reason, const char* message) {
    return json{{"type", type},           {"status", status},   {"lastHeartbeatTime", now},
                {"lastTransitionTime", now}, {"reason", reason}, {"message", message}};
  };
  json addresses = json::array();
  if (std::string ip = internalIP(); !ip.empty()) addresses.push_back({{"type", "InternalIP"}, {"address", ip}});
  addresses.push_back({{"type", "Hostname"}, {"address", name}});
  return {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", name},
        {"labels",
         {{"kubernetes.io/hostname", name},
          {"kubernetes.io/os", "linux"},
          {"kubernetes.io/arch", arch},
          {"beta.kubernetes.io/os", "linux"},
          {"beta.kubernetes.io/arch", arch}}},
        {"annotations", {{"node.alpha.kubernetes.io/ttl", "0"}}}}},
      {"spec", json::object()},
      {"status",
       {{"capacity", resources},
        {"allocatable", resources},
        {"conditions",
         {condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
          condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
          condition("Ready", "True", "KubeletReady", "peapod is posting ready status")}},
        {"addresses", addresses},
        {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 0}}}}},
        {"nodeInfo",
         {{"machineID", firstLine("/etc/machine-id")},
          {"systemUUID", firstLine("/sys/class/dmi/id/product_uuid")},
          {"bootID", firstLine("/proc/sys/kernel/random/boot_id")},
          {"kernelVersion", u.release},
          {"osImage", osImage()},
          {"containerRuntimeVersion", "peapod://0.1.0"},
          {"kubeletVersion", "v1.30.0-peapod"},
          {"kubeProxyVersion", ""},
          {"operatingSystem", "linux"},
          {"architecture", arch}}}}},
  };
}

void registerNode(store::ObjectStore& store, const std::string& name, const std::filesystem::path& dataDir) {
  json node = describeThisNode(name, dataDir);
  auto current = store.get({"nodes", "", name});
  Result<json> r = Error("unreachable");
  if (current.ok()) {
    node["metadata"]["uid"] = (*current)["metadata"]["uid"];
    node["metadata"]["creationTimestamp"] = (*current)["metadata"]["creationTimestamp"];
    r = store.update({"nodes", "", name}, std::move(node));
  } else {
    node["metadata"]["uid"] = newObjectUid();
    node["metadata"]["creationTimestamp"] = formatRfc3339(WallClock::now());
    r = store.create({"nodes", "", name}, std::move(node));
  }
  if (!r.ok()) log::warn("register node " + name + ": " + r.error().message());
}

}  // namespace peapod::server
