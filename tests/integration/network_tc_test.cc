// Root test for traffic control over rtnetlink inside a scratch network namespace: tbf and
// ingress qdiscs, the u32 + mirred redirect filter, and shapePod/removePodShaping end to end.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "network/bandwidth.h"
#include "sys/netlink.h"
#include "sys/unique_fd.h"
#include "testing/fixtures.h"
#include "testing/netns.h"

namespace peapod::sys {
namespace {

using peapod::testing::newNetns;

// Runs f on a thread inside `netns` (netns is per thread), for code that opens its own sockets.
template <class F>
auto inNetns(int netns, F f) {
  std::optional<decltype(f())> out;
  std::thread t([&] {
    if (::setns(netns, CLONE_NEWNET) == 0) out.emplace(f());
  });
  t.join();
  return std::move(*out);
}

class TcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    ns_ = newNetns();
    ASSERT_TRUE(ns_.valid());
    auto nl = NetlinkSocket::openInNetns(ns_.get());
    ASSERT_TRUE(nl) << nl.error().message();
    nl_.emplace(std::move(*nl));
    // A veth pair whose "host" end plays the pod's host-side veth.
    ASSERT_TRUE(nl_->createVethPeerInNetns({.name = "pp0123456789", .peerName = "eth0", .peerNetnsFd = ns_.get(), .up = true}));
    auto idx = nl_->linkByName("pp0123456789");
    ASSERT_TRUE(idx);
    veth_ = *idx;
  }

  const QdiscInfo* qdisc(const std::vector<QdiscInfo>& all, int ifindex, const std::string& kind) {
    for (const auto& q : all) {
      if (q.ifindex == ifindex && q.kind == kind) return &q;
    }
    return nullptr;
  }

  UniqueFd ns_;
  std::optional<NetlinkSocket> nl_;
  int veth_ = 0;
};

TEST_F(TcTest, TbfRateReadsBack) {
  ASSERT_TRUE(nl_->addTbfQdisc(veth_, {.rateBytes = 375'000, .burstBytes = 37'500, .limitBytes = 46'875}));
  auto all = nl_->listQdiscs();
  ASSERT_TRUE(all) << all.error().message();
  const QdiscInfo* tbf = qdisc(*all, veth_, "tbf");
  ASSERT_NE(tbf, nullptr);
  EXPECT_EQ(tbf->rateBytes, 375'000u);
  EXPECT_EQ(tbf->limitBytes, 46'875u);
  EXPECT_EQ(tbf->handle, 0x00010000u);
  // A second root tbf is refused (NLM_F_EXCL), with the kernel's errno.
  auto again = nl_->addTbfQdisc(veth_, {.rateBytes = 1000, .burstBytes = 2000, .limitBytes = 3000});
  EXPECT_FALSE(again);
  EXPECT_EQ(nl_->addTbfQdisc(veth_, {}).error().code(), EINVAL);
}

TEST_F(TcTest, Rate64) {
  uint64_t rate = 10'000'000'000;  // 80 Gbit/s: beyond tc_ratespec's 32 bits
  ASSERT_TRUE(nl_->addTbfQdisc(veth_, {.rateBytes = rate, .burstBytes = 1 << 20, .limitBytes = 1 << 21}));
  auto all = nl_->listQdiscs();
  ASSERT_TRUE(all);
  const QdiscInfo* tbf = qdisc(*all, veth_, "tbf");
  ASSERT_NE(tbf, nullptr);
  EXPECT_EQ(tbf->rateBytes, rate);
}

TEST_F(TcTest, ShapePodBothDirectionsAndRemove) {
  network::BandwidthLimits limits{.ingressBits = 3'000'000, .egressBits = 4'000'000};
  auto st = inNetns(ns_.get(), [&] { return network::shapePod("pp0123456789", limits); });
  ASSERT_TRUE(st) << st.error().message();
  auto ifb = nl_->getLink("pb0123456789");
  ASSERT_TRUE(ifb) << ifb.error().message();
  EXPECT_EQ(ifb->kind, "ifb");
  auto all = nl_->listQdiscs();
  ASSERT_TRUE(all);
  ASSERT_NE(qdisc(*all, veth_, "tbf"), nullptr);
  EXPECT_EQ(qdisc(*all, veth_, "tbf")->rateBytes, 375'000u);
  ASSERT_NE(qdisc(*all, veth_, "ingress"), nullptr);
  ASSERT_NE(qdisc(*all, ifb->index, "tbf"), nullptr);
  EXPECT_EQ(qdisc(*all, ifb->index, "tbf")->rateBytes, 500'000u);
  auto filters = nl_->listFilters(veth_, 0xffff0000);
  ASSERT_TRUE(filters) << filters.error().message();
  ASSERT_FALSE(filters->empty());
  EXPECT_EQ((*filters)[0].kind, "u32");

  auto rm = inNetns(ns_.get(), [&] { return network::removePodShaping("pp0123456789"); });
  ASSERT_TRUE(rm) << rm.error().message();
  EXPECT_EQ(nl_->getLink("pb0123456789").error().code(), ENODEV);
  // Removing twice is fine.
  EXPECT_TRUE(inNetns(ns_.get(), [&] { return network::removePodShaping("pp0123456789"); }));
}

TEST_F(TcTest, IngressOnlyMakesNoIfb) {
  auto st = inNetns(ns_.get(), [&] { return network::shapePod("pp0123456789", {.ingressBits = 1'000'000}); });
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_FALSE(nl_->getLink("pb0123456789"));
  auto all = nl_->listQdiscs();
  ASSERT_TRUE(all);
  EXPECT_EQ(qdisc(*all, veth_, "ingress"), nullptr);
  ASSERT_NE(qdisc(*all, veth_, "tbf"), nullptr);
}

}  // namespace
}  // namespace peapod::sys
