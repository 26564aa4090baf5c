// ensureBridge / deleteBridge over rtnetlink (see bridge.h).
#include "network/bridge.h"

#include <net/if.h>

#include <cerrno>

#include "network/ipam.h"
#include "sys/netlink.h"

namespace peapod::network {

Status ensureBridge(const BridgeConfig& config) {
  auto wrap = [&](Error e) { return std::move(e).wrap("ensure bridge " + config.name); };
  auto ipam = Ipam::create(config.cidr);
  if (!ipam) return wrap(ipam.error());
  auto nl = sys::NetlinkSocket::open();
  if (!nl) return wrap(nl.error());

  // 1. The bridge: create unless present (EEXIST covers a concurrent creator).
  auto link = nl->getLink(config.name);
  if (!link && link.error().code() != ENODEV) return wrap(link.error());
  if (link && link->kind != "bridge")
    return wrap(Error("link " + config.name + " exists and is a \"" + link->kind + "\", not a bridge",
                      EEXIST));
  if (!link) {
    auto created = nl->createBridge(config.name);
    if (!created && created.error().code() != EEXIST) return wrap(created.error());
    link = nl->getLink(config.name);
    if (!link) return wrap(link.error());
  }
  // 2. The gateway address; already there is fine.
  auto addr = nl->addAddressV4(link->index, ipam->gateway(), ipam->prefixLength());
  if (!addr && addr.error().code() != EEXIST) return wrap(addr.error());
  // 3. Up.
  if (!(link->flags & IFF_UP)) {
    auto up = nl->setUp(link->index);
    if (!up) return wrap(up.error());
  }
  return {};
}

Status deleteBridge(const std::string& name) {
  PEAPOD_ASSIGN_OR_RETURN(auto nl, sys::NetlinkSocket::open());
  auto index = nl.linkByName(name);
  if (!index) {
    if (index.error().code() == ENODEV) return {};
    return index.error().wrap("delete bridge " + name);
  }
  auto del = nl.deleteLink(*index);
  if (!del && del.error().code() != ENODEV) return del.error().wrap("delete bridge " + name);
  return {};
}

}  // namespace peapod::network
