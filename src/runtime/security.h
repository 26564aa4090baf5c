// From a ContainerSpec's security fields to the ProcessSecurity its processes are started with
// (container and exec alike): the resolved user and groups, the capability set, the compiled
// seccomp program (cached per capability set), no_new_privs.
#pragma once

#include "base/result.h"
#include "runtime/child_exec.h"
#include "runtime/spec.h"

namespace peapod::runtime {

// The bounding set a spec asks for: all capabilities when unset, else the named ones.
Result<sys::CapSet> specCapabilities(const ContainerSpec& spec);

// Resolves spec.user in the image layers (when set); the seccomp program is spec.seccompBpf
// (copied into `program`, which must outlive the result) or compiled here and cached.
Result<ProcessSecurity> makeProcessSecurity(const ContainerSpec& spec, sys::SeccompProgram& program);

// The default masked and read-only paths of runc/containerd (what a non-privileged container gets).
const std::vector<std::string>& defaultMaskedPaths();
const std::vector<std::string>& defaultReadonlyPaths();

}  // namespace peapod::runtime
