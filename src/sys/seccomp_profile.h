// Seccomp: the RuntimeDefault profile (an allowlist in the spirit of containerd's/moby's default,
// EPERM for everything else) compiled to classic BPF once in the parent, and the child-safe
// install of a compiled program.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "base/result.h"
#include "sys/capabilities.h"

namespace peapod::sys {

using SeccompProgram = std::vector<sock_filter>;

// The default profile for a process whose bounding set is `caps` (like containerd's, some
// syscalls are allowed only with the capability that guards them, e.g. mount with SYS_ADMIN).
// Compiled with libseccomp for the native architecture and its 32-bit companions.
Result<SeccompProgram> compileDefaultSeccomp(CapSet caps);

// The same, cached per capability set for the life of the process (compiling costs tens of ms
// and leaves about 1 MiB of heap behind, so the daemon does it, not each shim). Thread-safe.
Result<const SeccompProgram*> defaultSeccomp(CapSet caps);

// Child-safe: installs the program (SECCOMP_SET_MODE_FILTER). Needs no_new_privs or
// CAP_SYS_ADMIN. False with errno set on failure.
bool installSeccomp(const SeccompProgram& program);

}  // namespace peapod::sys
