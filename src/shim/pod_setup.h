// The shim's one-time pod setup: namespaces, hostname, /dev/shm, the listening socket.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/spec.h"
#include "sys/unique_fd.h"

namespace peapod::shim {

// The unshare(2) flags of a pod: always a mount namespace; NET and UTS unless hostNetwork; IPC
// unless hostIPC. (The PID namespace comes from the launcher: see launchShim.)
int podNamespaceFlags(const runtime::SandboxSpec& spec);

// Steps, in order:
// 1. unshare(podNamespaceFlags): the shim holds the pod's namespaces for its lifetime;
// 2. make every mount recursively private, so nothing mounted here reaches the host and all of
//    it vanishes with the shim; with sharePid, a /proc of the pod's PID namespace;
// 3. sethostname(spec.hostname) in a new UTS namespace;
// 4. the pod's shared /dev/shm at <runDir>/shm: a tmpfs, or the host's with hostIPC (containers
//    clone from this mount namespace and bind it).
Status enterPodNamespaces(const runtime::SandboxSpec& spec);

// Creates, binds (mode 0600) and listens on a SOCK_SEQPACKET socket; a stale file is replaced.
Result<sys::UniqueFd> listenUnixSeqpacket(const std::string& path);

}  // namespace peapod::shim
