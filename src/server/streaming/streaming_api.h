// StreamingApi: the pods/{exec,attach,portforward} subresources. It checks the request, then hands
// the connection to the transport the client asked for: WebSocket (websocket_transport.h, v4/v5
// channel protocols) or SPDY/3.1 (spdy_transport.h, the SPDY engineer's).
#pragma once

#include <string>

#include "server/http_types.h"
#include "server/streaming/remote_command.h"

namespace peapod::server::streaming {

class StreamingApi {
 public:
  explicit StreamingApi(PodStreams& pods) : pods_(pods) {}

  // subresource is "exec", "attach" or "portforward"; GET or POST.
  Response handle(const Request& req, const std::string& ns, const std::string& name, const std::string& subresource);

 private:
  PodStreams& pods_;
};

}  // namespace peapod::server::streaming
