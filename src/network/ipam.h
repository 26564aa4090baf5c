// Ipam: host-local style IPv4 address allocation over one CIDR (pure logic, no I/O).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"

namespace peapod::network {

// Hands out addresses of one subnet the way CNI's host-local plugin does: sequentially
// from after the last allocated address, wrapping around, never the network, gateway
// (first host) or broadcast address, never one in use. Not thread-safe.
class Ipam {
 public:
  // "10.88.0.0/16"; host bits must be zero; prefix 1..30 (room for gateway + one pod).
  static Result<Ipam> create(std::string_view cidr);

  std::string gateway() const;  // first host address, e.g. 10.88.0.1
  int prefixLength() const { return prefix_; }
  std::string cidr() const;

  // The next free address; error "no IP addresses available in range set: A-B" when full.
  Result<std::string> allocate();
  // Marks `ip` in use (e.g. restored after a daemon restart). False when it is not an
  // allocatable address of the range or already in use. Does not move the cursor.
  bool reserve(std::string_view ip);
  // Frees `ip`; unknown addresses are ignored.
  void release(std::string_view ip);
  bool inUse(std::string_view ip) const;
  size_t usedCount() const { return used_.size(); }

 private:
  Ipam(uint32_t network, int prefix);
  bool allocatable(uint32_t a) const;

  uint32_t network_ = 0;    // host byte order
  uint32_t broadcast_ = 0;
  int prefix_ = 0;
  uint32_t last_ = 0;       // last allocated; 0 = none yet
  std::set<uint32_t> used_;
};

}  // namespace peapod::network
