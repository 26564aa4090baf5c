#include "sys/process.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace peapod::sys {

Status pidfdSignal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0) return Error::sys("pidfd_send_signal");
  return {};
}

Result<siginfo_t> pidfdWait(int pidfd, int options) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  int r;
  do {
    r = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, options);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return Error::sys("waitid", "pidfd");
  return info;
}

CloneStack::CloneStack(size_t size) : size_(size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p != MAP_FAILED) base_ = p;
}

CloneStack::~CloneStack() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

}  // namespace peapod::sys
