// Unit tests for the hostPort conflict rule and claim bookkeeping (no proxies: no pod IP).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "network/host_ports.h"
#include "network/bandwidth.h"

namespace peapod::network {
namespace {

TEST(HostPortConflicts, KubeletRule) {
  PortMapping any{"TCP", "", 8080, 80};
  PortMapping local{"TCP", "127.0.0.1", 8080, 80};
  PortMapping other{"TCP", "10.0.0.5", 8080, 80};
  PortMapping udp{"UDP", "", 8080, 80};
  PortMapping port81{"TCP", "", 8081, 80};
  EXPECT_TRUE(conflicts(any, local));
  EXPECT_TRUE(conflicts(local, any));
  EXPECT_TRUE(conflicts(PortMapping{"TCP", "0.0.0.0", 8080, 1}, local));
  EXPECT_TRUE(conflicts(local, local));
  EXPECT_FALSE(conflicts(local, other));
  EXPECT_FALSE(conflicts(any, udp));
  EXPECT_FALSE(conflicts(any, port81));
}

TEST(HostPorts, ClaimRefusesOverlapNamingTheHolder) {
  boost::asio::io_context io;
  HostPorts table(io);
  auto a = table.claim("default/a", {{"TCP", "", 8080, 80}, {"UDP", "", 53, 53}}, "");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(table.claimedCount(), 2u);
  auto b = table.claim("default/b", {{"TCP", "", 9090, 80}, {"TCP", "127.0.0.1", 8080, 80}}, "");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), EADDRINUSE);
  EXPECT_EQ(b.error().message(), "TCP 127.0.0.1:8080 is taken by pod default/a (TCP 0.0.0.0:8080)");
  EXPECT_EQ(table.claimedCount(), 2u);  // all or nothing: 9090 was not kept
  a->reset();
  EXPECT_EQ(table.claimedCount(), 0u);
  EXPECT_TRUE(table.claim("default/b", {{"TCP", "127.0.0.1", 8080, 80}}, "").ok());
}

TEST(Bandwidth, TokenBucket) {
  auto t = tbfFor(3'000'000);  // the seed's 3M
  EXPECT_EQ(t.rateBytes, 375'000u);
  EXPECT_EQ(t.burstBytes, 37'500u);
  EXPECT_EQ(t.limitBytes, 375'000u / 40 + 37'500u);
  EXPECT_EQ(tbfFor(8'000).burstBytes, 16u * 1024);  // never below one full frame's worth
  EXPECT_EQ(ifbNameFor("pp0123456789"), "pb0123456789");
}

}  // namespace
}  // namespace peapod::network
