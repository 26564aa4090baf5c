// Seccomp: the RuntimeDefault profile (an allowlist in the spirit of containerd's/moby's default,
// EPERM for everything else) compiled to classic BPF once in the parent, and the child-safe
// install of a compiled program.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <string>
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

// A seccomp profile in the OCI runtime-spec's terms (LinuxSeccomp: what containerd loads from a
// Localhost profile file). Actions and ops are the libseccomp names ("SCMP_ACT_ERRNO",
// "SCMP_CMP_MASKED_EQ"), architectures too ("SCMP_ARCH_X86_64").
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0, valueTwo = 0;
  std::string op;
};
struct SeccompRule {
  std::vector<std::string> names;
  std::string action;
  std::optional<uint32_t> errnoRet;  // for SCMP_ACT_ERRNO / SCMP_ACT_TRACE; default EPERM (runc)
  std::vector<SeccompArg> args;
};
struct SeccompProfile {
  std::string defaultAction;
  std::optional<uint32_t> defaultErrnoRet;
  std::vector<std::string> architectures;  // added to the native one
  std::vector<SeccompRule> syscalls;
};

// Compiles a profile as runc does: names this libseccomp does not know are skipped (profiles
// name syscalls of newer kernels); conditions on distinct arguments are ANDed in one rule, and
// several conditions on the same argument become one rule each (libseccomp cannot AND them);
// a rule whose action is the default action is dropped. Unknown actions, ops or architectures,
// or an argument index over 5, are errors.
Result<SeccompProgram> compileSeccompProfile(const SeccompProfile& profile);

// Child-safe: installs the program (SECCOMP_SET_MODE_FILTER). Needs no_new_privs or
// CAP_SYS_ADMIN. False with errno set on failure.
bool installSeccomp(const SeccompProgram& program);

}  // namespace peapod::sys
