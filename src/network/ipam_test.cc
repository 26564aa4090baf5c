// Unit tests for Ipam: order, wrap-around, exhaustion, reserve/release, CIDR errors.
#include "network/ipam.h"

#include <gtest/gtest.h>

namespace peapod::network {
namespace {

TEST(Ipam, GatewayAndPrefix) {
  auto ipam = Ipam::create("10.88.0.0/16");
  ASSERT_TRUE(ipam) << ipam.error().message();
  EXPECT_EQ(ipam->gateway(), "10.88.0.1");
  EXPECT_EQ(ipam->prefixLength(), 16);
  EXPECT_EQ(ipam->cidr(), "10.88.0.0/16");
}

TEST(Ipam, AllocatesSequentiallySkippingNetworkAndGateway) {
  auto ipam = Ipam::create("10.88.0.0/16");
  ASSERT_TRUE(ipam);
  EXPECT_EQ(*ipam->allocate(), "10.88.0.2");
  EXPECT_EQ(*ipam->allocate(), "10.88.0.3");
  EXPECT_TRUE(ipam->inUse("10.88.0.2"));
  EXPECT_FALSE(ipam->inUse("10.88.0.4"));
}

TEST(Ipam, ContinuesAfterLastInsteadOfReusingReleased) {
  auto ipam = Ipam::create("10.88.0.0/16");
  ASSERT_TRUE(ipam);
  ASSERT_EQ(*ipam->allocate(), "10.88.0.2");
  ASSERT_EQ(*ipam->allocate(), "10.88.0.3");
  ipam->release("10.88.0.2");
  EXPECT_FALSE(ipam->inUse("10.88.0.2"));
  EXPECT_EQ(*ipam->allocate(), "10.88.0.4");
}

TEST(Ipam, CrossesOctetBoundaries) {
  auto ipam = Ipam::create("10.88.0.0/16");
  ASSERT_TRUE(ipam);
  std::string ip;
  for (int i = 0; i < 254; ++i) ip = *ipam->allocate();
  EXPECT_EQ(ip, "10.88.0.255");  // .255 of a /16 is an ordinary host address
  EXPECT_EQ(*ipam->allocate(), "10.88.1.0");
}

TEST(Ipam, WrapsAroundAndExhausts) {
  auto ipam = Ipam::create("10.213.7.0/29");  // hosts .1-.6; .1 gateway, .7 broadcast
  ASSERT_TRUE(ipam);
  for (const char* want : {"10.213.7.2", "10.213.7.3", "10.213.7.4", "10.213.7.5", "10.213.7.6"})
    EXPECT_EQ(*ipam->allocate(), want);
  auto full = ipam->allocate();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message(), "no IP addresses available in range set: 10.213.7.1-10.213.7.6");
  ipam->release("10.213.7.3");
  EXPECT_EQ(*ipam->allocate(), "10.213.7.3");  // wrapped from .6 back to the start
  EXPECT_FALSE(ipam->allocate());
  EXPECT_EQ(ipam->usedCount(), 5u);
}

TEST(Ipam, ExhaustionMessageMatchesCni) {
  auto ipam = Ipam::create("10.88.0.0/16");
  ASSERT_TRUE(ipam);
  for (int i = 0; i < 65533; ++i) ASSERT_TRUE(ipam->allocate());
  auto full = ipam->allocate();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message(),
            "no IP addresses available in range set: 10.88.0.1-10.88.255.254");
}

TEST(Ipam, ReserveMarksInUseAndAllocationSkipsIt) {
  auto ipam = Ipam::create("10.88.0.0/24");
  ASSERT_TRUE(ipam);
  EXPECT_TRUE(ipam->reserve("10.88.0.2"));
  EXPECT_TRUE(ipam->reserve("10.88.0.4"));
  EXPECT_FALSE(ipam->reserve("10.88.0.2"));    // taken
  EXPECT_FALSE(ipam->reserve("10.88.0.0"));    // network
  EXPECT_FALSE(ipam->reserve("10.88.0.1"));    // gateway
  EXPECT_FALSE(ipam->reserve("10.88.0.255"));  // broadcast
  EXPECT_FALSE(ipam->reserve("10.89.0.7"));    // outside
  EXPECT_FALSE(ipam->reserve("garbage"));
  EXPECT_EQ(*ipam->allocate(), "10.88.0.3");
  EXPECT_EQ(*ipam->allocate(), "10.88.0.5");
  ipam->release("10.88.0.4");
  ipam->release("not-an-ip");  // ignored
  EXPECT_TRUE(ipam->reserve("10.88.0.4"));
}

TEST(Ipam, RejectsBadCidrs) {
  for (const char* bad : {"", "10.88.0.0", "10.88.0.0/", "10.88.0.0/33", "10.88.0.0/-1",
                          "10.88.0.0/16x", "10.88.0/16", "10.88.0.1/16", "10.88.0.0/31",
                          "10.88.0.0/32", "0.0.0.0/0", "fd00::/64", "10.88.0.0/ 16"}) {
    auto ipam = Ipam::create(bad);
    EXPECT_FALSE(ipam) << bad;
    if (!ipam) {
      EXPECT_NE(ipam.error().message().find("invalid CIDR"), std::string::npos) << bad;
    }
  }
  auto hostBits = Ipam::create("10.88.0.1/16");
  ASSERT_FALSE(hostBits);
  EXPECT_EQ(hostBits.error().message(),
            "invalid CIDR \"10.88.0.1/16\": host bits set (want 10.88.0.0/16)");
  EXPECT_TRUE(Ipam::create("10.213.1.0/30"));
}

TEST(Ipam, SmallestRangeHasOneAddress) {
  auto ipam = Ipam::create("10.213.1.0/30");
  ASSERT_TRUE(ipam);
  EXPECT_EQ(*ipam->allocate(), "10.213.1.2");
  EXPECT_FALSE(ipam->allocate());
}

}  // namespace
}  // namespace peapod::network
