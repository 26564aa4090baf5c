// The WebSocket transport of exec and attach (kubectl >= 1.30, @kubernetes/client-node): RFC 6455
// with the v5.channel.k8s.io or v4.channel.k8s.io channel protocol.
#pragma once

#include "server/http_types.h"
#include "server/streaming/remote_command.h"

namespace peapod::server::streaming {

// True when the request asks for a WebSocket upgrade.
bool isWebSocketUpgrade(const Request& req);

// The 101 answer whose upgrade body runs the session (options already checked), or a 400 when the
// handshake is wrong or no channel protocol we speak is offered (kubectl then falls back to SPDY).
Response websocketRemoteCommand(PodStreams& pods, const Request& req, RemoteCommandOptions options);

}  // namespace peapod::server::streaming
