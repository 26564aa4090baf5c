// API discovery documents: /version, /api, /api/v1, /apis (what kubectl asks before anything else).
#pragma once

#include <optional>
#include <string>

#include "server/http_types.h"

namespace peapod::server {

// The discovery response for `path`, or nullopt when it is not a discovery path.
std::optional<Response> discovery(const std::string& path);

}  // namespace peapod::server
