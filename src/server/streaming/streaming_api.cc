#include "server/streaming/streaming_api.h"

#include "server/api_status.h"
#include "server/streaming/spdy_transport.h"
#include "server/streaming/websocket_transport.h"

namespace peapod::server::streaming {
namespace {

Response upgradeRequired() { return badRequest("Upgrade request required"); }

}  // namespace

Response StreamingApi::handle(const Request& req, const std::string& ns, const std::string& name,
                              const std::string& subresource) {
  if (req.method != "GET" && req.method != "POST") return methodNotAllowed();
  if (subresource == "portforward") {
    // kubectl >= 1.31 tunnels SPDY in WebSocket binary messages; anything else gets a 400, on which
    // kubectl falls back to plain SPDY.
    if (isWebSocketUpgrade(req)) {
      if (wantsTunnelledSpdy(req)) return spdyPortForwardOverWebSocket(req, pods_, ns, name);
      return badRequest("port-forward over WebSocket is only offered as SPDY/3.1+portforward.k8s.io");
    }
    if (wantsSpdy(req)) return spdyPortForward(req, pods_, ns, name);
    return upgradeRequired();
  }
  bool attach = subresource == "attach";
  auto options = parseRemoteCommandOptions(req.rawQuery, attach);
  if (!options.ok()) return badRequest(options.error().message());
  options->ns = ns;
  options->pod = name;
  if (auto err = pods_.check(*options)) return std::move(*err);
  if (isWebSocketUpgrade(req)) return websocketRemoteCommand(pods_, req, std::move(*options));
  if (wantsSpdy(req)) return spdyRemoteCommand(req, pods_, std::move(*options));
  return upgradeRequired();
}

}  // namespace peapod::server::streaming
