// NetlinkSocket: socket lifecycle, request/ack loop, and link requests.
#include "sys/netlink.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/check.h"

namespace peapod::sys {
namespace {

constexpr size_t kRxBufferSize = 64 * 1024;  // a full dump datagram fits (kernel caps at 32 KiB)

Error netlinkError(std::string_view what, const NetlinkError& e) {
  Error err = Error::sys("netlink", what, e.err);
  if (!e.message.empty()) err = Error(err.message() + " (" + e.message + ")", e.err);
  return err;
}

// Parses one RTM_NEWLINK reply.
LinkInfo toLinkInfo(const NetlinkReply& r) {
  LinkInfo info;
  ifinfomsg ifi{};
  if (!r.fixed(&ifi)) return info;
  info.index = ifi.ifi_index;
  info.flags = ifi.ifi_flags;
  for (const NetlinkAttr& a : parseAttrs(r.attrs(sizeof(ifinfomsg)))) {
    switch (a.type) {
      case IFLA_IFNAME: info.name = a.str(); break;
      case IFLA_MASTER: info.masterIndex = static_cast<int>(a.u32().value_or(0)); break;
      case IFLA_MTU: info.mtu = a.u32().value_or(0); break;
      case IFLA_LINKINFO:
        if (auto kind = findAttr(a.data, IFLA_INFO_KIND)) info.kind = kind->str();
        break;
      default: break;
    }
  }
  return info;
}

}  // namespace

Result<NetlinkSocket> NetlinkSocket::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return Error::sys("socket", "AF_NETLINK NETLINK_ROUTE");
  int one = 1;
  // Best effort: extended acks carry the kernel's reason text ("File exists" is terse).
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0)
    return Error::sys("bind", "AF_NETLINK");
  return NetlinkSocket(std::move(fd));
}

Result<NetlinkSocket> NetlinkSocket::openInNetns(int netnsFd) {
  UniqueFd self(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!self) return Error::sys("open", "/proc/thread-self/ns/net");
  if (::setns(netnsFd, CLONE_NEWNET) < 0) return Error::sys("setns", "target netns");
  auto sock = open();
  // Returning to our own netns through an fd we hold cannot fail short of kernel bugs;
  // carrying on in the pod's netns would corrupt everything after, so crash instead.
  PEAPOD_CHECK(::setns(self.get(), CLONE_NEWNET) == 0);
  return sock;
}

Status NetlinkSocket::transact(NetlinkMessage& msg, std::string_view what,
                               const std::function<void(const NetlinkReply&)>& onReply) {
  msg.setSequence(++seq_);
  // Always ask for the ACK: success is then an explicit message, never a silence.
  msg.addFlags(NLM_F_ACK);
  bool dump = (msg.flags() & NLM_F_DUMP) == NLM_F_DUMP;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n;
  do {
    n = ::sendto(fd_.get(), msg.bytes().data(), msg.bytes().size(), 0,
                 reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::sys("netlink send", what);

  rx_.resize(kRxBufferSize);
  for (;;) {
    do {
      n = ::recv(fd_.get(), rx_.data(), rx_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::sys("netlink recv", what);
    for (const NetlinkReply& r : parseMessages({rx_.data(), static_cast<size_t>(n)})) {
      if (r.header.nlmsg_seq != seq_) continue;  // a stale reply to an earlier request
      if (r.header.nlmsg_type == NLMSG_DONE) {
        if (dump) return {};
        continue;
      }
      if (auto e = parseError(r)) {
        if (e->err == 0) {
          if (!dump) return {};
          continue;  // dumps end with NLMSG_DONE
        }
        return netlinkError(what, *e);
      }
      if (onReply) onReply(r);
    }
  }
}

Result<LinkInfo> NetlinkSocket::getLink(std::string_view name) {
  NetlinkMessage msg(RTM_GETLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  msg.putStruct(ifi);
  msg.putString(IFLA_IFNAME, name);
  // Skip per-VF and stats blobs we don't read.
  msg.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  LinkInfo info;
  PEAPOD_TRY(transact(msg, "RTM_GETLINK " + std::string(name), [&](const NetlinkReply& r) {
    if (r.header.nlmsg_type == RTM_NEWLINK) info = toLinkInfo(r);
  }));
  if (info.index == 0) return Error::sys("netlink", "RTM_GETLINK " + std::string(name), ENODEV);
  return info;
}

Result<int> NetlinkSocket::linkByName(std::string_view name) {
  PEAPOD_ASSIGN_OR_RETURN(LinkInfo info, getLink(name));
  return info.index;
}

Result<std::vector<LinkInfo>> NetlinkSocket::listLinks() {
  NetlinkMessage msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
  ifinfomsg ifi{};
  msg.putStruct(ifi);
  msg.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<LinkInfo> out;
  PEAPOD_TRY(dumpEach<ifinfomsg>(msg, "RTM_GETLINK dump", RTM_NEWLINK,
                                 [&](const NetlinkReply& r, const ifinfomsg&) { out.push_back(toLinkInfo(r)); }));
  return out;
}

Status NetlinkSocket::createBridge(std::string_view name) { return createLink(name, "bridge"); }

Status NetlinkSocket::createLink(std::string_view name, std::string_view kind) {
  NetlinkMessage msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  msg.putStruct(ifi);
  msg.putString(IFLA_IFNAME, name);
  size_t info = msg.beginNested(IFLA_LINKINFO);
  msg.putString(IFLA_INFO_KIND, kind);
  msg.endNested(info);
  return transact(msg, "RTM_NEWLINK " + std::string(kind) + " " + std::string(name));
}

Status NetlinkSocket::createVethPeerInNetns(const VethSpec& spec) {
  NetlinkMessage msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  if (spec.up) ifi.ifi_flags = ifi.ifi_change = IFF_UP;
  msg.putStruct(ifi);
  msg.putString(IFLA_IFNAME, spec.name);
  // IFLA_MASTER in the create request enslaves right after registration: no extra trip.
  if (spec.masterIndex > 0) msg.putU32(IFLA_MASTER, static_cast<uint32_t>(spec.masterIndex));
  size_t info = msg.beginNested(IFLA_LINKINFO);
  msg.putString(IFLA_INFO_KIND, "veth");
  size_t data = msg.beginNested(IFLA_INFO_DATA);
  // VETH_INFO_PEER holds a whole ifinfomsg followed by the peer's own attributes.
  size_t peer = msg.beginNested(VETH_INFO_PEER);
  ifinfomsg peerIfi{};
  msg.putStruct(peerIfi);
  msg.putString(IFLA_IFNAME, spec.peerName);
  if (spec.peerNetnsFd >= 0) msg.putU32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peerNetnsFd));
  msg.endNested(peer);
  msg.endNested(data);
  msg.endNested(info);
  return transact(msg, "RTM_NEWLINK veth " + spec.name + "/" + spec.peerName);
}

Status NetlinkSocket::setMaster(int ifindex, int masterIndex) {
  NetlinkMessage msg(RTM_NEWLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  ifi.ifi_index = ifindex;
  msg.putStruct(ifi);
  msg.putU32(IFLA_MASTER, static_cast<uint32_t>(masterIndex));
  return transact(msg, "RTM_NEWLINK set master of ifindex " + std::to_string(ifindex));
}

Status NetlinkSocket::linkFlags(int ifindex, unsigned flags, unsigned change,
                                std::string_view what) {
  NetlinkMessage msg(RTM_NEWLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  ifi.ifi_index = ifindex;
  ifi.ifi_flags = flags;
  ifi.ifi_change = change;
  msg.putStruct(ifi);
  return transact(msg, std::string(what) + " ifindex " + std::to_string(ifindex));
}

Status NetlinkSocket::setUp(int ifindex) {
  return linkFlags(ifindex, IFF_UP, IFF_UP, "RTM_NEWLINK up");
}

Status NetlinkSocket::setDown(int ifindex) {
  return linkFlags(ifindex, 0, IFF_UP, "RTM_NEWLINK down");
}

Status NetlinkSocket::deleteLink(int ifindex) {
  NetlinkMessage msg(RTM_DELLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  ifi.ifi_index = ifindex;
  msg.putStruct(ifi);
  return transact(msg, "RTM_DELLINK ifindex " + std::to_string(ifindex));
}

}  // namespace peapod::sys
