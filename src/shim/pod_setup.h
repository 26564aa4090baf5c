// The shim's one-time pod setup: namespaces, hostname, /dev/shm, the listening socket.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/spec.h"
#include "sys/unique_fd.h"

namespace peapod::shim {

// Steps, in order:
// 1. unshare NET|IPC|UTS|NS: the shim holds the pod's namespaces for its lifetime;
// 2. make every mount recursively private, so nothing mounted here reaches the host and all of
//    it vanishes with the shim;
// 3. sethostname(spec.hostname);
// 4. mount the pod's shared /dev/shm tmpfs at <runDir>/shm (containers clone from this mount
//    namespace and bind it).
Status enterPodNamespaces(const runtime::SandboxSpec& spec);

// Creates, binds (mode 0600) and listens on a SOCK_SEQPACKET socket; a stale file is replaced.
Result<sys::UniqueFd> listenUnixSeqpacket(const std::string& path);

}  // namespace peapod::shim
