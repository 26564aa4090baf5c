// NetlinkSocket requests for IPv4 addresses and routes.
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"

namespace peapod::sys {
namespace {

Result<uint32_t> networkOrder(std::string_view ip) {
  auto a = parseIPv4(ip);
  if (!a) return Error("invalid IPv4 address \"" + std::string(ip) + "\"", EINVAL);
  return htonl(*a);
}

std::string fromNetworkOrder(const NetlinkAttr& a) {
  auto v = a.u32();
  return v ? formatIPv4(ntohl(*v)) : std::string();
}

}  // namespace

Status NetlinkSocket::addAddressV4(int ifindex, std::string_view ip, int prefixLength) {
  PEAPOD_ASSIGN_OR_RETURN(uint32_t addr, networkOrder(ip));
  if (prefixLength < 0 || prefixLength > 32)
    return Error("invalid prefix length " + std::to_string(prefixLength), EINVAL);
  NetlinkMessage msg(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = static_cast<uint8_t>(prefixLength);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<uint32_t>(ifindex);
  msg.putStruct(ifa);
  msg.putAttr(IFA_LOCAL, &addr, 4);
  msg.putAttr(IFA_ADDRESS, &addr, 4);
  // The broadcast address, as `ip addr add ... brd +` would set it.
  if (prefixLength < 31) {
    uint32_t host = ntohl(addr);
    uint32_t mask = prefixLength == 0 ? 0 : ~uint32_t{0} << (32 - prefixLength);
    uint32_t brd = htonl(host | ~mask);
    msg.putAttr(IFA_BROADCAST, &brd, 4);
  }
  return transact(msg, "RTM_NEWADDR " + std::string(ip) + "/" + std::to_string(prefixLength) +
                           " on ifindex " + std::to_string(ifindex));
}

Result<std::vector<AddressV4>> NetlinkSocket::listAddressesV4() {
  NetlinkMessage msg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  msg.putStruct(ifa);
  std::vector<AddressV4> out;
  PEAPOD_TRY(dumpEach<ifaddrmsg>(msg, "RTM_GETADDR dump", RTM_NEWADDR, [&](const NetlinkReply& r, const ifaddrmsg& m) {
    if (m.ifa_family != AF_INET) return;
    AddressV4 a;
    a.ifindex = static_cast<int>(m.ifa_index);
    a.prefixLength = m.ifa_prefixlen;
    for (const NetlinkAttr& attr : parseAttrs(r.attrs(sizeof(ifaddrmsg)))) {
      // IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer on p2p links.
      if (attr.type == IFA_LOCAL || (attr.type == IFA_ADDRESS && a.ip.empty()))
        a.ip = fromNetworkOrder(attr);
    }
    out.push_back(std::move(a));
  }));
  return out;
}

Status NetlinkSocket::addDefaultRouteV4(std::string_view gateway) {
  PEAPOD_ASSIGN_OR_RETURN(uint32_t gw, networkOrder(gateway));
  NetlinkMessage msg(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = 0;
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_BOOT;
  rt.rtm_scope = RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  msg.putStruct(rt);
  msg.putAttr(RTA_GATEWAY, &gw, 4);
  return transact(msg, "RTM_NEWROUTE default via " + std::string(gateway));
}

Result<std::vector<RouteV4>> NetlinkSocket::listRoutesV4() {
  NetlinkMessage msg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  msg.putStruct(rt);
  std::vector<RouteV4> out;
  PEAPOD_TRY(dumpEach<rtmsg>(msg, "RTM_GETROUTE dump", RTM_NEWROUTE, [&](const NetlinkReply& r, const rtmsg& m) {
    if (m.rtm_family != AF_INET) return;
    uint32_t table = m.rtm_table;
    RouteV4 route;
    route.destination = "0.0.0.0";
    route.prefixLength = m.rtm_dst_len;
    for (const NetlinkAttr& a : parseAttrs(r.attrs(sizeof(rtmsg)))) {
      switch (a.type) {
        case RTA_DST: route.destination = fromNetworkOrder(a); break;
        case RTA_GATEWAY: route.gateway = fromNetworkOrder(a); break;
        case RTA_OIF: route.oifindex = static_cast<int>(a.u32().value_or(0)); break;
        case RTA_TABLE: table = a.u32().value_or(table); break;
        default: break;
      }
    }
    if (table == RT_TABLE_MAIN) out.push_back(std::move(route));
  }));
  return out;
}

}  // namespace peapod::sys
