// The Node object for this machine: capacity from /proc, Ready condition, addresses, nodeInfo.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "store/object_store.h"

namespace peapod::server {

// The Node as the kubelet would report it now.
nlohmann::json describeThisNode(const std::string& name, const std::filesystem::path& dataDir);

// Creates or refreshes the Node object in the store (keeping its uid and creation time).
void registerNode(store::ObjectStore& store, const std::string& name, const std::filesystem::path& dataDir);

}  // namespace peapod::server
