// A TCP socket in another process's network namespace (port-forward into a pod). A socket stays
// in the namespace it was created in, so only its creation needs setns, which runs on a
// short-lived thread: the daemon's loop thread never leaves its own namespace.
#pragma once

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::node {

// An unconnected AF_INET stream socket (close-on-exec) in the network namespace of `pid`.
Result<sys::UniqueFd> tcpSocketInNetnsOf(int pid);

}  // namespace peapod::node
