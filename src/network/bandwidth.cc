// shapePod / removePodShaping over rtnetlink (see bandwidth.h).
#include "network/bandwidth.h"

#include <net/if.h>

#include <algorithm>
#include <cerrno>

#include "base/scope_exit.h"

namespace peapod::network {
namespace {

constexpr uint64_t kMinBurstBytes = 16 * 1024;

}  // namespace

sys::TbfSpec tbfFor(uint64_t bitsPerSecond) {
  sys::TbfSpec t;
  t.rateBytes = std::max<uint64_t>(bitsPerSecond / 8, 1);
  t.burstBytes = static_cast<uint32_t>(std::clamp<uint64_t>(t.rateBytes / 10, kMinBurstBytes, UINT32_MAX / 2));
  uint64_t queue = t.rateBytes / 40;  // 25 ms
  t.limitBytes = static_cast<uint32_t>(std::min<uint64_t>(queue + t.burstBytes, UINT32_MAX));
  return t;
}

std::string ifbNameFor(const std::string& hostVeth) {
  std::string suffix = hostVeth.size() > 2 ? hostVeth.substr(2) : hostVeth;
  return "pb" + suffix.substr(0, IFNAMSIZ - 3);
}

Status shapePod(const std::string& hostVeth, const BandwidthLimits& limits) {
  if (limits.empty()) return {};
  auto wrap = [&](Error e) { return std::move(e).wrap("bandwidth of " + hostVeth); };
  auto nl = sys::NetlinkSocket::open();
  if (!nl) return wrap(nl.error());
  auto veth = nl->linkByName(hostVeth);
  if (!veth) return wrap(veth.error());
  if (limits.ingressBits > 0) {
    if (auto st = nl->addTbfQdisc(*veth, tbfFor(limits.ingressBits)); !st) return wrap(st.error());
  }
  if (limits.egressBits == 0) return {};
  std::string ifb = ifbNameFor(hostVeth);
  if (auto st = nl->createLink(ifb, "ifb"); !st) return wrap(st.error());
  ScopeExit removeIfb([&] { (void)removePodShaping(hostVeth); });
  auto ifbIndex = nl->linkByName(ifb);
  if (!ifbIndex) return wrap(ifbIndex.error());
  if (auto st = nl->addTbfQdisc(*ifbIndex, tbfFor(limits.egressBits)); !st) return wrap(st.error());
  if (auto st = nl->setUp(*ifbIndex); !st) return wrap(st.error());
  if (auto st = nl->addIngressQdisc(*veth); !st) return wrap(st.error());
  if (auto st = nl->addRedirectFilter(*veth, *ifbIndex); !st) return wrap(st.error());
  removeIfb.cancel();
  return {};
}

Status removePodShaping(const std::string& hostVeth) {
  std::string ifb = ifbNameFor(hostVeth);
  PEAPOD_ASSIGN_OR_RETURN(auto nl, sys::NetlinkSocket::open());
  auto index = nl.linkByName(ifb);
  if (!index) return index.error().code() == ENODEV ? Status{} : index.error().wrap("remove " + ifb);
  auto del = nl.deleteLink(*index);
  if (!del && del.error().code() != ENODEV) return del.error().wrap("remove " + ifb);
  return {};
}

}  // namespace peapod::network
