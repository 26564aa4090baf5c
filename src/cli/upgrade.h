// The client side of an HTTP/1.1 protocol upgrade (exec over WebSocket, port-forward over SPDY):
// a blocking connection to the API's unix socket, TCP address or TLS endpoint (relayed through a
// local socket, so callers always hold a plain fd), the request, and the reply head.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "cli/http_client.h"
#include "sys/unique_fd.h"

namespace peapod::cli {

struct UpgradedConnection {
  sys::UniqueFd fd;
  std::string head;  // the 101 reply's status line and headers
  std::string rest;  // bytes already read past the head: the new protocol's first bytes
};

// Connects to `endpoint` (as HttpClient does), sends `request` (a complete request head; the
// endpoint's Authorization header is added) and reads the reply. A status other than 101 is an
// Error, with the reply in *refused when given.
Result<UpgradedConnection> upgradeConnection(const Endpoint& endpoint, std::string request, HttpResponse* refused);

// The value of a header in a reply head ("" when absent); lowerName is lower-case.
std::string headerValue(const std::string& head, const std::string& lowerName);

// Sends all of data (MSG_NOSIGNAL: a closed peer is an Error, not SIGPIPE).
Status writeAll(int fd, std::string_view data);

}  // namespace peapod::cli
