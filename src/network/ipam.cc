// Ipam: sequential host-local style allocation (see ipam.h).
#include "network/ipam.h"

#include <charconv>

#include "sys/netlink_message.h"

namespace peapod::network {

using sys::formatIPv4;
using sys::parseIPv4;

Ipam::Ipam(uint32_t network, int prefix)
    : network_(network),
      broadcast_(network | ~(~uint32_t{0} << (32 - prefix))),
      prefix_(prefix) {}

Result<Ipam> Ipam::create(std::string_view cidr) {
  auto bad = [&](std::string_view why) {
    return Error("invalid CIDR \"" + std::string(cidr) + "\": " + std::string(why), EINVAL);
  };
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad("missing /prefix");
  auto addr = parseIPv4(cidr.substr(0, slash));
  if (!addr) return bad("not an IPv4 address");
  std::string_view p = cidr.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > 32)
    return bad("bad prefix length");
  // /31 and /32 leave no address besides the gateway; /0 would be the whole internet.
  if (prefix < 1 || prefix > 30) return bad("prefix length must be 1..30");
  uint32_t mask = ~uint32_t{0} << (32 - prefix);
  if ((*addr & ~mask) != 0) return bad("host bits set (want " + formatIPv4(*addr & mask) + "/" +
                                       std::to_string(prefix) + ")");
  return Ipam(*addr, prefix);
}

std::string Ipam::gateway() const { return formatIPv4(network_ + 1); }

std::string Ipam::cidr() const { return formatIPv4(network_) + "/" + std::to_string(prefix_); }

bool Ipam::allocatable(uint32_t a) const {
  return a > network_ + 1 && a < broadcast_;
}

Result<std::string> Ipam::allocate() {
  const uint32_t first = network_ + 2;
  const uint32_t last = broadcast_ - 1;
  const uint64_t size = uint64_t{last} - first + 1;
  // Start after the last allocated address, as host-local does, so a just-released
  // address is not reused at once (a stale peer may still hold it in its ARP cache).
  uint32_t a = (last_ >= first && last_ < last) ? last_ + 1 : first;
  for (uint64_t i = 0; i < size; ++i) {
    if (!used_.contains(a)) {
      used_.insert(a);
      last_ = a;
      return formatIPv4(a);
    }
    a = a == last ? first : a + 1;
  }
  // CNI's range set starts at the first host (the gateway) and ends before broadcast.
  return Error("no IP addresses available in range set: " + formatIPv4(network_ + 1) + "-" +
               formatIPv4(last));
}

bool Ipam::reserve(std::string_view ip) {
  auto a = parseIPv4(ip);
  if (!a || !allocatable(*a)) return false;
  return used_.insert(*a).second;
}

void Ipam::release(std::string_view ip) {
  if (auto a = parseIPv4(ip)) used_.erase(*a);
}

bool Ipam::inUse(std::string_view ip) const {
  auto a = parseIPv4(ip);
  return a && used_.contains(*a);
}

}  // namespace peapod::network
