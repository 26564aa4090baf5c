// The upgraded-connection bodies behind spdy_transport.h, one per binding (one file each).
#pragma once

#include <string>

#include "server/http_types.h"
#include "server/streaming/remote_command.h"

namespace peapod::server::streaming {

// exec/attach with channel protocol `version` (1 = channel.k8s.io ... 4 = v4.channel.k8s.io).
UpgradeBody spdyRemoteCommandBody(PodStreams& pods, RemoteCommandOptions options, int version);
// port-forward (portforward.k8s.io).
UpgradeBody spdyPortForwardBody(PodStreams& pods, std::string ns, std::string pod);

}  // namespace peapod::server::streaming
