// Root test for sys::NetlinkSocket inside a scratch network namespace: links, veth,
// bridge ports, addresses, routes and kernel error decoding. Nothing touches the host.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "sys/netlink.h"
#include "sys/unique_fd.h"
#include "testing/fixtures.h"
#include "testing/netns.h"

namespace peapod::sys {
namespace {

using peapod::testing::newNetns;

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    ns_ = newNetns();
    ASSERT_TRUE(ns_.valid());
    auto nl = NetlinkSocket::openInNetns(ns_.get());
    ASSERT_TRUE(nl) << nl.error().message();
    nl_.emplace(std::move(*nl));
  }

  UniqueFd ns_;  // closing it (after nl_) destroys everything the test made
  std::optional<NetlinkSocket> nl_;
};

TEST_F(NetlinkTest, OpenInNetnsLeavesTheThreadOnTheHost) {
  // The socket sees only the scratch netns: lo alone.
  auto links = nl_->listLinks();
  ASSERT_TRUE(links) << links.error().message();
  ASSERT_EQ(links->size(), 1u);
  EXPECT_EQ((*links)[0].name, "lo");
  EXPECT_EQ((*links)[0].index, 1);
  // And this thread is back in its own netns.
  struct stat self {}, scratch {};
  ASSERT_EQ(::stat("/proc/thread-self/ns/net", &self), 0);
  ASSERT_EQ(::fstat(ns_.get(), &scratch), 0);
  EXPECT_NE(self.st_ino, scratch.st_ino);
}

TEST_F(NetlinkTest, LinksBridgeAndVeth) {
  auto missing = nl_->linkByName("nope0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ENODEV);

  ASSERT_TRUE(nl_->createBridge("br0"));
  auto again = nl_->createBridge("br0");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), EEXIST);
  EXPECT_NE(again.error().message().find("RTM_NEWLINK bridge br0"), std::string::npos)
      << again.error().message();
  auto br = nl_->getLink("br0");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->kind, "bridge");
  EXPECT_FALSE(br->flags & IFF_UP);

  // Peer in the same netns (peerNetnsFd -1), enslaved and up at creation.
  ASSERT_TRUE(nl_->createVethPeerInNetns(
      {.name = "v0", .peerName = "v1", .masterIndex = br->index, .up = true}));
  auto v0 = nl_->getLink("v0");
  auto v1 = nl_->getLink("v1");
  ASSERT_TRUE(v0 && v1);
  EXPECT_EQ(v0->kind, "veth");
  EXPECT_EQ(v0->masterIndex, br->index);
  EXPECT_TRUE(v0->flags & IFF_UP);
  EXPECT_EQ(v1->masterIndex, 0);
  EXPECT_FALSE(v1->flags & IFF_UP);

  ASSERT_TRUE(nl_->setMaster(v0->index, 0));  // release from the bridge
  EXPECT_EQ(nl_->getLink("v0")->masterIndex, 0);
  ASSERT_TRUE(nl_->setMaster(v0->index, br->index));
  ASSERT_TRUE(nl_->setDown(v0->index));
  EXPECT_FALSE(nl_->getLink("v0")->flags & IFF_UP);

  // Deleting one end removes the pair.
  ASSERT_TRUE(nl_->deleteLink(v0->index));
  EXPECT_EQ(nl_->linkByName("v1").error().code(), ENODEV);
  auto gone = nl_->deleteLink(v0->index);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ENODEV);
}

TEST_F(NetlinkTest, KernelRejectionsComeBackAsErrors) {
  // 16 chars is over IFNAMSIZ-1: the kernel's attribute policy refuses it.
  auto tooLong = nl_->createBridge("abcdefghijklmnop");
  ASSERT_FALSE(tooLong);
  EXPECT_EQ(tooLong.error().code(), ERANGE) << tooLong.error().message();
  // The extended ack's text rides along after the errno string.
  EXPECT_NE(tooLong.error().message().find("(Attribute failed policy validation)"),
            std::string::npos)
      << tooLong.error().message();
  auto badIp = nl_->addAddressV4(1, "10.213.0.300", 24);
  ASSERT_FALSE(badIp);
  EXPECT_EQ(badIp.error().code(), EINVAL);
  // A gateway with no route to it.
  auto noRoute = nl_->addDefaultRouteV4("10.213.9.1");
  ASSERT_FALSE(noRoute);
  EXPECT_EQ(noRoute.error().code(), ENETUNREACH) << noRoute.error().message();
}

TEST_F(NetlinkTest, AddressesAndRoutes) {
  ASSERT_TRUE(nl_->createVethPeerInNetns({.name = "v0", .peerName = "v1", .up = true}));
  int v0 = *nl_->linkByName("v0");
  int v1 = *nl_->linkByName("v1");
  ASSERT_TRUE(nl_->setUp(v1));
  ASSERT_TRUE(nl_->addAddressV4(v0, "10.213.9.2", 24));
  auto dup = nl_->addAddressV4(v0, "10.213.9.2", 24);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), EEXIST);
  auto addrs = nl_->listAddressesV4();
  ASSERT_TRUE(addrs);
  EXPECT_TRUE(std::any_of(addrs->begin(), addrs->end(), [&](const AddressV4& a) {
    return a.ifindex == v0 && a.ip == "10.213.9.2" && a.prefixLength == 24;
  }));

  ASSERT_TRUE(nl_->addDefaultRouteV4("10.213.9.1"));
  EXPECT_EQ(nl_->addDefaultRouteV4("10.213.9.1").error().code(), EEXIST);
  auto routes = nl_->listRoutesV4();
  ASSERT_TRUE(routes);
  EXPECT_TRUE(std::any_of(routes->begin(), routes->end(), [&](const RouteV4& r) {
    return r.destination == "0.0.0.0" && r.prefixLength == 0 && r.gateway == "10.213.9.1" &&
           r.oifindex == v0;
  }));
  // The subnet route the kernel made for the address.
  EXPECT_TRUE(std::any_of(routes->begin(), routes->end(), [&](const RouteV4& r) {
    return r.destination == "10.213.9.0" && r.prefixLength == 24 && r.gateway.empty();
  }));
}

}  // namespace
}  // namespace peapod::sys
