// Server-side Tables (meta.k8s.io/v1) for `kubectl get`: the columns kubectl's printers define for
// pods, namespaces, nodes and events, each row carrying the object's PartialObjectMetadata.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "server/http_types.h"

namespace peapod::server {

// True when the Accept header asks for a Table (kubectl get sends "application/json;as=Table;...").
bool wantsTable(const Request& req);

// A Table of objects of one resource ("pods", "namespaces", ...); resourceVersion goes in metadata.
nlohmann::json makeTable(const std::string& resource, const std::vector<nlohmann::json>& objects,
                         const std::string& resourceVersion, WallTime now);

}  // namespace peapod::server
