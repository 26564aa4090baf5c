// The last steps a freshly cloned child takes before it becomes the workload, shared by the
// container's main process and `exec` processes. The child shares the shim's memory (vfork-style
// clone), so these are syscalls only: no allocation, no locks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sys/capabilities.h"
#include "sys/seccomp_profile.h"

namespace peapod::runtime {

// Who the workload runs as and what it may do, precomputed by the parent (runtime/security.h).
struct ProcessSecurity {
  uint32_t uid = 0, gid = 0;
  std::vector<gid_t> groups;                  // supplementary groups
  sys::CapSet capabilities = ~sys::CapSet{0};  // the bounding set to keep
  int lastCap = 63;                           // sys::lastCapability(), read before the clone
  bool noNewPrivs = false;
  const sys::SeccompProgram* seccomp = nullptr;  // null = unconfined; owned by the shim's cache
};

// What applyProcessSecurity failed at (errno tells why).
enum class SecurityFailure { kNone, kSeccomp, kCapabilities, kGroups, kGid, kUid, kNoNewPrivs };
const char* securityFailureName(SecurityFailure f);

// The runc order: seccomp early while CAP_SYS_ADMIN still allows it (unless no_new_privs makes
// it possible later), bounding/ambient/inheritable capabilities, groups, gid, uid (which clears
// the permitted set of a non-root user), the parent-death signal again, no_new_privs, then a
// late seccomp. Syscalls only.
SecurityFailure applyProcessSecurity(const ProcessSecurity& s);

// Drops to uid/gid with no supplementary groups, then re-arms the parent-death signal (changing
// credentials clears it). False with errno set when a credential call fails.
bool dropToUser(uint32_t uid, uint32_t gid);

// The shim blocks signals for its signalfd and ignores SIGPIPE; the workload starts clean.
void resetSignals();

// execve of each candidate path in turn, like execvp's PATH walk; returns only on failure, with
// the errno to report (EACCES wins over a later ENOENT/ENOTDIR, as execvp does).
int execFirst(const std::vector<std::string>& candidates, char* const argv[], char* const envp[]);

}  // namespace peapod::runtime
