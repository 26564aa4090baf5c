#include "runtime/child_exec.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peapod::runtime {

bool dropToUser(uint32_t uid, uint32_t gid) {
  // Raw syscalls: glibc's set*id wrappers coordinate threads through shared state.
  if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setgid, gid) != 0 ||
      ::syscall(SYS_setuid, uid) != 0) {
    return false;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  return true;
}

const char* securityFailureName(SecurityFailure f) {
  switch (f) {
    case SecurityFailure::kNone: return "none";
    case SecurityFailure::kSeccomp: return "install seccomp filter";
    case SecurityFailure::kCapabilities: return "drop capabilities";
    case SecurityFailure::kGroups: return "setgroups";
    case SecurityFailure::kGid: return "setgid";
    case SecurityFailure::kUid: return "setuid";
    case SecurityFailure::kNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
  }
  return "?";
}

SecurityFailure applyProcessSecurity(const ProcessSecurity& s) {
  if (s.seccomp && !s.noNewPrivs && !sys::installSeccomp(*s.seccomp)) return SecurityFailure::kSeccomp;
  if (!sys::limitCapabilities(s.capabilities, s.lastCap)) return SecurityFailure::kCapabilities;
  // Raw syscalls: glibc's set*id wrappers coordinate threads through shared state.
  if (::syscall(SYS_setgroups, s.groups.size(), s.groups.data()) != 0) return SecurityFailure::kGroups;
  if (::syscall(SYS_setgid, s.gid) != 0) return SecurityFailure::kGid;
  if (::syscall(SYS_setuid, s.uid) != 0) return SecurityFailure::kUid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // changing credentials cleared it
  if (s.noNewPrivs) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return SecurityFailure::kNoNewPrivs;
    if (s.seccomp && !sys::installSeccomp(*s.seccomp)) return SecurityFailure::kSeccomp;
  }
  return SecurityFailure::kNone;
}

void resetSignals() {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

int execFirst(const std::vector<std::string>& candidates, char* const argv[], char* const envp[]) {
  int lastErr = ENOENT;
  bool sawEacces = false;
  for (const auto& path : candidates) {
    ::execve(path.c_str(), argv, envp);
    lastErr = errno;
    if (lastErr == EACCES) sawEacces = true;
    else if (lastErr != ENOENT && lastErr != ENOTDIR) break;
  }
  return (sawEacces && (lastErr == ENOENT || lastErr == ENOTDIR)) ? EACCES : lastErr;
}

}  // namespace peapod::runtime
