// NetlinkSocket traffic-control requests: tbf and ingress qdiscs, a u32 + mirred redirect filter,
// and dumps of both (the messages `tc qdisc add ... tbf`, `tc filter add ... action mirred` send).
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <cstring>

#include "sys/netlink.h"

namespace peapod::sys {
namespace {

constexpr uint32_t kTbfHandle = 0x00010000;      // 1:
constexpr uint32_t kIngressHandle = 0xffff0000;  // ffff:
// The kernel's scheduler tick is 64 ns (PSCHED_SHIFT = 6) on every kernel since 2.6.31;
// /proc/net/psched reports the same ratio (t2us/us2t = 1000/64).
constexpr uint64_t kNsPerTick = 64;

tcmsg tcHeader(int ifindex, uint32_t handle, uint32_t parent, uint32_t info = 0) {
  tcmsg tc{};
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_handle = handle;
  tc.tcm_parent = parent;
  tc.tcm_info = info;
  return tc;
}

std::string where(int ifindex) { return " on ifindex " + std::to_string(ifindex); }

}  // namespace

Status NetlinkSocket::addTbfQdisc(int ifindex, const TbfSpec& spec) {
  if (spec.rateBytes == 0 || spec.burstBytes == 0) return Error("tbf: rate and burst must be positive", EINVAL);
  NetlinkMessage msg(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  msg.putStruct(tcHeader(ifindex, kTbfHandle, TC_H_ROOT));
  msg.putString(TCA_KIND, "tbf");
  size_t options = msg.beginNested(TCA_OPTIONS);
  tc_tbf_qopt q{};
  // An explicit link layer lets the kernel compute transmit times itself: no rate table needed.
  q.rate.linklayer = TC_LINKLAYER_ETHERNET;
  q.rate.rate = spec.rateBytes >= (uint64_t{1} << 32) ? ~0U : static_cast<uint32_t>(spec.rateBytes);
  q.limit = spec.limitBytes;
  // The bucket as the time it takes to send `burst` at `rate`, in ticks (tc's tc_calc_xmittime).
  q.buffer = static_cast<uint32_t>(uint64_t{spec.burstBytes} * 1'000'000'000 / spec.rateBytes / kNsPerTick);
  msg.putAttr(TCA_TBF_PARMS, &q, sizeof q);
  if (spec.rateBytes >= (uint64_t{1} << 32)) msg.putAttr(TCA_TBF_RATE64, &spec.rateBytes, sizeof spec.rateBytes);
  msg.putU32(TCA_TBF_BURST, spec.burstBytes);
  msg.endNested(options);
  return transact(msg, "RTM_NEWQDISC tbf rate " + std::to_string(spec.rateBytes) + "B/s" + where(ifindex));
}

Status NetlinkSocket::addIngressQdisc(int ifindex) {
  NetlinkMessage msg(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  msg.putStruct(tcHeader(ifindex, kIngressHandle, TC_H_INGRESS));
  msg.putString(TCA_KIND, "ingress");
  size_t options = msg.beginNested(TCA_OPTIONS);
  msg.endNested(options);
  return transact(msg, "RTM_NEWQDISC ingress" + where(ifindex));
}

Status NetlinkSocket::addRedirectFilter(int ifindex, int targetIfindex) {
  NetlinkMessage msg(RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  // tcm_info: priority 1 in the upper half, the protocol (all of them) in the lower.
  uint32_t info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));
  msg.putStruct(tcHeader(ifindex, 0, kIngressHandle, info));
  msg.putString(TCA_KIND, "u32");
  size_t options = msg.beginNested(TCA_OPTIONS);
  // One all-zero key (offset 0, mask 0) matches every packet; "terminal" stops the lookup there.
  uint8_t sel[sizeof(tc_u32_sel) + sizeof(tc_u32_key)] = {};
  tc_u32_sel head{};
  head.flags = TC_U32_TERMINAL;
  head.nkeys = 1;
  std::memcpy(sel, &head, sizeof head);
  msg.putAttr(TCA_U32_SEL, sel, sizeof sel);
  size_t actions = msg.beginNested(TCA_U32_ACT);
  size_t first = msg.beginNested(1);  // actions are numbered from 1, in order
  msg.putString(TCA_ACT_KIND, "mirred");
  size_t actOptions = msg.beginNested(TCA_ACT_OPTIONS);
  tc_mirred m{};
  m.action = TC_ACT_STOLEN;  // the packet now belongs to the target device
  m.eaction = TCA_EGRESS_REDIR;
  m.ifindex = static_cast<uint32_t>(targetIfindex);
  msg.putAttr(TCA_MIRRED_PARMS, &m, sizeof m);
  msg.endNested(actOptions);
  msg.endNested(first);
  msg.endNested(actions);
  msg.endNested(options);
  return transact(msg, "RTM_NEWTFILTER u32 redirect to ifindex " + std::to_string(targetIfindex) + where(ifindex));
}

Result<std::vector<QdiscInfo>> NetlinkSocket::listQdiscs() {
  NetlinkMessage msg(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP);
  msg.putStruct(tcHeader(0, 0, 0));
  std::vector<QdiscInfo> out;
  PEAPOD_TRY(dumpEach<tcmsg>(msg, "RTM_GETQDISC dump", RTM_NEWQDISC, [&](const NetlinkReply& r, const tcmsg& tc) {
    QdiscInfo q;
    q.ifindex = tc.tcm_ifindex;
    q.handle = tc.tcm_handle;
    q.parent = tc.tcm_parent;
    for (const NetlinkAttr& a : parseAttrs(r.attrs(sizeof(tcmsg)))) {
      if (a.type == TCA_KIND) q.kind = a.str();
      if (a.type != TCA_OPTIONS || q.kind != "tbf") continue;  // TCA_KIND comes first
      for (const NetlinkAttr& o : parseAttrs(a.data)) {
        if (o.type == TCA_TBF_PARMS && o.data.size() >= sizeof(tc_tbf_qopt)) {
          tc_tbf_qopt p{};
          std::memcpy(&p, o.data.data(), sizeof p);
          if (q.rateBytes == 0) q.rateBytes = p.rate.rate;
          q.limitBytes = p.limit;
        } else if (o.type == TCA_TBF_RATE64 && o.data.size() >= 8) {
          std::memcpy(&q.rateBytes, o.data.data(), 8);
        }
      }
    }
    out.push_back(std::move(q));
  }));
  return out;
}

Result<std::vector<FilterInfo>> NetlinkSocket::listFilters(int ifindex, uint32_t parent) {
  NetlinkMessage msg(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP);
  msg.putStruct(tcHeader(ifindex, 0, parent));
  std::vector<FilterInfo> out;
  PEAPOD_TRY(dumpEach<tcmsg>(msg, "RTM_GETTFILTER dump" + where(ifindex), RTM_NEWTFILTER,
                             [&](const NetlinkReply& r, const tcmsg& tc) {
                               FilterInfo f;
                               f.ifindex = tc.tcm_ifindex;
                               f.parent = tc.tcm_parent;
                               if (auto kind = findAttr(r.attrs(sizeof(tcmsg)), TCA_KIND)) f.kind = kind->str();
                               out.push_back(std::move(f));
                             }));
  return out;
}

}  // namespace peapod::sys
