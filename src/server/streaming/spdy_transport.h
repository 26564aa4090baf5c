// The SPDY/3.1 transport of exec, attach and port-forward (kubectl 1.20, and 1.35's fallback and
// port-forward): negotiates the stream protocol, answers 101 and runs the session on the upgraded
// connection. StreamingApi calls these after its checks when the request says Upgrade: SPDY/3.1.
#pragma once

#include <string>

#include "server/http_types.h"
#include "server/streaming/remote_command.h"

namespace peapod::server::streaming {

// True when the client asks for SPDY/3.1 (the Upgrade header, case-insensitive).
bool wantsSpdy(const Request& req);

// exec or attach (options already checked by PodStreams::check): 101 with
// X-Stream-Protocol-Version v4.channel.k8s.io (or v3/v2/channel.k8s.io, whichever the client
// offers best), or 403 when no protocol is shared.
Response spdyRemoteCommand(const Request& req, PodStreams& pods, RemoteCommandOptions options);

// port-forward: 101 with portforward.k8s.io; each stream pair (streamtype data+error, same
// requestid) is one TCP connection to `port` inside the pod, dialed through PodStreams::dial.
Response spdyPortForward(const Request& req, PodStreams& pods, const std::string& ns, const std::string& pod);

// True when a WebSocket port-forward request offers SPDY tunnelled in binary messages
// (Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io, kubectl >= 1.31).
bool wantsTunnelledSpdy(const Request& req);
// port-forward with the SPDY session inside WebSocket binary messages: 101 with that subprotocol,
// or 400 (kubectl then falls back to plain SPDY).
Response spdyPortForwardOverWebSocket(const Request& req, PodStreams& pods, const std::string& ns,
                                      const std::string& pod);

}  // namespace peapod::server::streaming
