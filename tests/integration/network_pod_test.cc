// Root test: two pod netns attached to a scratch bridge; addressing, routes, TCP between
// them and from the host, timing of attachPod, and that teardown leaves nothing behind.
// Traffic only ever goes to addresses inside the namespaces this test creates.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "base/scope_exit.h"
#include "network/bridge.h"
#include "network/ipam.h"
#include "network/pod_network.h"
#include "sys/netlink.h"
#include "sys/unique_fd.h"
#include "testing/fixtures.h"
#include "testing/netns.h"

namespace peapod::network {
namespace {

using namespace std::chrono_literals;
using sys::NetlinkSocket;
using sys::UniqueFd;

// Runs fn on a fresh thread that first joins the netns of `netnsFd` (netns is per
// thread, so the test's main thread stays on the host).
void inNetns(int netnsFd, const std::function<void()>& fn) {
  std::thread t([&] {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
      ADD_FAILURE() << "setns: " << std::strerror(errno);
      return;
    }
    fn();
  });
  t.join();
}

using peapod::testing::newNetns;

bool linkExists(const std::string& name) { return std::filesystem::exists("/sys/class/net/" + name); }

sockaddr_in addrOf(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A listening TCP socket on ip:ephemeral inside the current netns of the calling thread.
UniqueFd listenOn(const std::string& ip, uint16_t* port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = addrOf(ip, 0);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return {};
  if (::listen(s.get(), 4) != 0) return {};
  socklen_t len = sizeof(a);
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return s;
}

// Connects to ip:port from the calling thread's netns within a bounded time.
std::string connectTo(const std::string& ip, uint16_t port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in a = addrOf(ip, port);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) return "";
  if (errno != EINPROGRESS) return std::string("connect: ") + std::strerror(errno);
  pollfd p{s.get(), POLLOUT, 0};
  if (::poll(&p, 1, 5000) != 1) return "connect: timed out";
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err ? std::string("connect: ") + std::strerror(err) : "";
}

bool accepted(int listenFd) {
  pollfd p{listenFd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return false;
  UniqueFd c(::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC));
  return c.valid();
}

class NetworkPodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    std::mt19937 rng{std::random_device{}()};
    config_.name = "ppt" + testing::randomSuffix(6);
    config_.cidr = "10.213." + std::to_string(rng() % 256) + ".0/24";
  }
  void TearDown() override {
    if (::geteuid() == 0) {
      auto st = deleteBridge(config_.name);
      EXPECT_TRUE(st) << st.error().message();
    }
  }

  // Checks what attachPod promised, from inside the pod netns.
  void expectPodSide(int netnsFd, const PodInterface& pod) {
    auto nl = NetlinkSocket::openInNetns(netnsFd);
    ASSERT_TRUE(nl) << nl.error().message();
    auto lo = nl->getLink("lo");
    ASSERT_TRUE(lo) << lo.error().message();
    EXPECT_TRUE(lo->flags & IFF_UP);
    auto eth0 = nl->getLink("eth0");
    ASSERT_TRUE(eth0) << eth0.error().message();
    EXPECT_TRUE(eth0->flags & IFF_UP);
    EXPECT_EQ(eth0->kind, "veth");
    auto addrs = nl->listAddressesV4();
    ASSERT_TRUE(addrs) << addrs.error().message();
    EXPECT_TRUE(std::any_of(addrs->begin(), addrs->end(), [&](const sys::AddressV4& a) {
      return a.ifindex == eth0->index && a.ip == pod.ip && a.prefixLength == pod.prefixLength;
    })) << "eth0 lacks " << pod.ip;
    auto routes = nl->listRoutesV4();
    ASSERT_TRUE(routes) << routes.error().message();
    EXPECT_TRUE(std::any_of(routes->begin(), routes->end(), [&](const sys::RouteV4& r) {
      return r.prefixLength == 0 && r.gateway == pod.gateway && r.oifindex == eth0->index;
    })) << "no default route via " << pod.gateway;
  }

  BridgeConfig config_;
};

TEST_F(NetworkPodTest, TwoPodsTalkThroughTheBridgeAndTeardownLeavesNothing) {
  auto ipam = Ipam::create(config_.cidr);
  ASSERT_TRUE(ipam);

  // The bridge, twice: the second call must be a no-op.
  auto st = ensureBridge(config_);
  ASSERT_TRUE(st) << st.error().message();
  st = ensureBridge(config_);
  ASSERT_TRUE(st) << "not idempotent: " << st.error().message();
  auto host = NetlinkSocket::open();
  ASSERT_TRUE(host);
  auto br = host->getLink(config_.name);
  ASSERT_TRUE(br) << br.error().message();
  EXPECT_EQ(br->kind, "bridge");
  EXPECT_TRUE(br->flags & IFF_UP);
  auto hostAddrs = host->listAddressesV4();
  ASSERT_TRUE(hostAddrs);
  EXPECT_EQ(std::count_if(hostAddrs->begin(), hostAddrs->end(), [&](const sys::AddressV4& a) {
              return a.ifindex == br->index;
            }),
            1);

  UniqueFd nsA = newNetns(), nsB = newNetns();
  ASSERT_TRUE(nsA.valid() && nsB.valid());
  std::string vethA = makeHostVethName(), vethB = makeHostVethName();
  ASSERT_EQ(vethA.size(), 12u);
  ASSERT_NE(vethA, vethB);
  ScopeExit leftovers([&] {  // on failure, the netns teardown removes the veths
    nsA.reset();
    nsB.reset();
  });

  auto ipA = ipam->allocate(), ipB = ipam->allocate();
  auto t0 = std::chrono::steady_clock::now();
  auto podA = attachPod(config_, nsA.get(), *ipA, vethA);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(podA) << podA.error().message();
  auto podB = attachPod(config_, nsB.get(), *ipB, vethB);
  ASSERT_TRUE(podB) << podB.error().message();
  std::printf("attachPod took %.3f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
  EXPECT_EQ(podA->gateway, ipam->gateway());
  EXPECT_EQ(podA->prefixLength, 24);
  EXPECT_EQ(podA->hostVeth, vethA);

  // Host side: both veths enslaved to the bridge and up.
  for (const std::string& name : {vethA, vethB}) {
    auto link = host->getLink(name);
    ASSERT_TRUE(link) << link.error().message();
    EXPECT_EQ(link->masterIndex, br->index) << name;
    EXPECT_TRUE(link->flags & IFF_UP) << name;
  }
  expectPodSide(nsA.get(), *podA);
  expectPodSide(nsB.get(), *podB);

  // Pod A -> pod B over TCP.
  {
    UniqueFd listener;
    uint16_t port = 0;
    inNetns(nsB.get(), [&] { listener = listenOn(podB->ip, &port); });
    ASSERT_TRUE(listener.valid());
    std::string err;
    inNetns(nsA.get(), [&] { err = connectTo(podB->ip, port); });
    EXPECT_EQ(err, "");
    EXPECT_TRUE(accepted(listener.get()));
  }
  // Host -> pod A over TCP (through the bridge's gateway address).
  {
    UniqueFd listener;
    uint16_t port = 0;
    inNetns(nsA.get(), [&] { listener = listenOn(podA->ip, &port); });
    ASSERT_TRUE(listener.valid());
    EXPECT_EQ(connectTo(podA->ip, port), "");
    EXPECT_TRUE(accepted(listener.get()));
  }

  // Teardown: drop the netns (no explicit veth delete), then the bridge.
  leftovers.cancel();
  nsA.reset();
  nsB.reset();
  EXPECT_TRUE(testing::waitUntil([&] { return !linkExists(vethA) && !linkExists(vethB); }, 5s))
      << "host veths outlived their netns";
  st = deleteBridge(config_.name);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_FALSE(linkExists(config_.name));
  st = deleteBridge(config_.name);  // already gone: fine
  EXPECT_TRUE(st) << st.error().message();
}

TEST_F(NetworkPodTest, Errors) {
  UniqueFd ns = newNetns();
  ASSERT_TRUE(ns.valid());
  const std::string ip = *Ipam::create(config_.cidr)->allocate();
  // No bridge yet.
  auto noBridge = attachPod(config_, ns.get(), ip, makeHostVethName());
  ASSERT_FALSE(noBridge);
  EXPECT_EQ(noBridge.error().code(), ENODEV) << noBridge.error().message();

  ASSERT_TRUE(ensureBridge(config_));
  auto badName = attachPod(config_, ns.get(), ip, "this-name-is-too-long");
  ASSERT_FALSE(badName);
  EXPECT_EQ(badName.error().code(), EINVAL);

  // A host veth name already taken (the bridge's own name) is refused by the kernel.
  auto taken = attachPod(config_, ns.get(), ip, config_.name);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), EEXIST) << taken.error().message();

  for (const char* ip : {"10.214.0.2", "not-an-ip", "10.213.0.1" /*gateway*/}) {
    BridgeConfig cfg = config_;
    cfg.cidr = "10.213.0.0/24";
    auto wrongIp = attachPod(cfg, ns.get(), ip, makeHostVethName());
    ASSERT_FALSE(wrongIp) << ip;
    EXPECT_EQ(wrongIp.error().code(), EINVAL) << wrongIp.error().message();
  }

  BridgeConfig bad = config_;
  bad.cidr = "10.213.0.0/33";
  EXPECT_FALSE(ensureBridge(bad));
}

// Many pods in a row, each in a fresh netns: the per-pod cost of attachPod.
TEST_F(NetworkPodTest, AttachTiming) {
  ASSERT_TRUE(ensureBridge(config_));
  auto ipam = Ipam::create(config_.cidr);
  ASSERT_TRUE(ipam);
  std::vector<double> ms;
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) {
    UniqueFd ns = newNetns();
    ASSERT_TRUE(ns.valid());
    std::string veth = makeHostVethName();
    names.push_back(veth);
    auto ip = ipam->allocate();
    ASSERT_TRUE(ip);
    auto t0 = std::chrono::steady_clock::now();
    auto pod = attachPod(config_, ns.get(), *ip, veth);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_TRUE(pod) << pod.error().message();
  }  // each netns closes at the end of its iteration
  std::sort(ms.begin(), ms.end());
  std::printf("attachPod x%zu: min %.3f ms, median %.3f ms, max %.3f ms\n", ms.size(), ms.front(),
              ms[ms.size() / 2], ms.back());
  EXPECT_TRUE(testing::waitUntil(
      [&] { return std::none_of(names.begin(), names.end(), linkExists); }, 10s));
}

}  // namespace
}  // namespace peapod::network
