// The node bridge every pod's host-side veth is attached to (CNI "bridge" plugin's job).
#pragma once

#include <string>

#include "base/result.h"

namespace peapod::network {

struct BridgeConfig {
  std::string name = "peapod0";
  std::string cidr = "10.88.0.0/16";
};

// Creates the Linux bridge if missing, gives it the gateway address (first host of the
// CIDR) with the CIDR's prefix, and sets it up. Idempotent: an existing bridge or
// address is not an error.
Status ensureBridge(const BridgeConfig& config);

// Deletes the bridge (tests, uninstall); ok when it does not exist.
Status deleteBridge(const std::string& name);

}  // namespace peapod::network
