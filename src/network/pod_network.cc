// attachPod: veth into the pod netns, addressing and routes (see pod_network.h).
#include "network/pod_network.h"

#include <sys/random.h>

#include <cstdio>

#include "network/ipam.h"
#include "sys/netlink.h"

namespace peapod::network {
namespace {

constexpr int kLoopbackIndex = 1;  // lo is always ifindex 1 in a new netns (LOOPBACK_IFINDEX)
constexpr char kPodInterface[] = "eth0";

}  // namespace

Result<PodInterface> attachPod(const BridgeConfig& config, int podNetnsFd, const std::string& ip,
                               const std::string& hostVethName) {
  auto wrap = [&](Error e) {
    return std::move(e).wrap("attach pod network (" + ip + ", " + hostVethName + ")");
  };
  if (hostVethName.empty() || hostVethName.size() > 15)
    return wrap(Error("host veth name \"" + hostVethName + "\" must be 1..15 chars", EINVAL));
  auto ipam = Ipam::create(config.cidr);
  if (!ipam) return wrap(ipam.error());
  // Checked before touching the kernel: a wrong address would only show up as a pod
  // that cannot reach anything.
  if (!ipam->reserve(ip))
    return wrap(Error("pod IP " + ip + " is not a host address of " + config.cidr, EINVAL));
  PodInterface pod{ip, ipam->prefixLength(), ipam->gateway(), hostVethName};

  // 1. Host side: one request creates the pair, enslaves and ups the host end, and puts
  //    eth0 straight into the pod netns.
  auto host = sys::NetlinkSocket::open();
  if (!host) return wrap(host.error());
  auto bridge = host->linkByName(config.name);
  if (!bridge) return wrap(bridge.error().wrap("bridge " + config.name));
  auto veth = host->createVethPeerInNetns({.name = hostVethName,
                                           .peerName = kPodInterface,
                                           .peerNetnsFd = podNetnsFd,
                                           .masterIndex = *bridge,
                                           .up = true});
  if (!veth) return wrap(veth.error());

  // 2. Pod side. No cleanup of the veth on failure: the caller destroys the netns,
  //    which removes both ends.
  auto podSide = sys::NetlinkSocket::openInNetns(podNetnsFd);
  if (!podSide) return wrap(podSide.error());
  if (auto st = podSide->setUp(kLoopbackIndex); !st) return wrap(st.error().wrap("lo up"));
  auto eth0 = podSide->linkByName(kPodInterface);
  if (!eth0) return wrap(eth0.error());
  if (auto st = podSide->addAddressV4(*eth0, ip, pod.prefixLength); !st) return wrap(st.error());
  if (auto st = podSide->setUp(*eth0); !st) return wrap(st.error().wrap("eth0 up"));
  // The gateway is reachable only once eth0 is up (its subnet route appears then).
  if (auto st = podSide->addDefaultRouteV4(pod.gateway); !st) return wrap(st.error());
  return pod;
}

std::string makeHostVethName() {
  unsigned char bytes[5];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  char name[16];
  std::snprintf(name, sizeof(name), "pp%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4]);
  return name;
}

}  // namespace peapod::network
