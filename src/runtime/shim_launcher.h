// Starting a pod's shim from the daemon.
#pragma once

#include <string>

#include "base/result.h"
#include "runtime/spec.h"

namespace peapod::runtime {

// Writes <runDir>/sandbox.json, starts `shimBinary --sandbox <runDir>/sandbox.json --ready-fd N`
// (a vfork-style clone; with spec.sharePid into a new PID namespace, where the shim is PID 1)
// and blocks until the shim reports "ok\n" (or "error: <msg>\n", returned as Error) on the ready
// pipe. The shim calls setsid() and outlives the caller; the caller never needs to reap it when
// SIGCHLD is SA_NOCLDWAIT (otherwise it must reap the returned pid itself).
Result<int> launchShim(const std::string& shimBinary, const SandboxSpec& spec);

}  // namespace peapod::runtime
