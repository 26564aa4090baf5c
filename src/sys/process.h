// Process helpers over pidfds: signal, wait, and a small mmap'd stack for vfork-style clones.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstddef>

#include "base/result.h"

namespace peapod::sys {

// pidfd_send_signal(2).
Status pidfdSignal(int pidfd, int sig);

// waitid(P_PIDFD); with WNOHANG an un-exited child yields si_pid == 0.
Result<siginfo_t> pidfdWait(int pidfd, int options);

// A stack for clone(): mapped on construction, unmapped on destruction. Only touched pages cost
// memory, so a generous size is free.
class CloneStack {
 public:
  explicit CloneStack(size_t size = 256 * 1024);
  ~CloneStack();
  CloneStack(const CloneStack&) = delete;
  CloneStack& operator=(const CloneStack&) = delete;
  bool ok() const { return base_ != nullptr; }
  // The initial stack pointer (stacks grow down on every Linux architecture we target).
  void* top() const { return static_cast<char*>(base_) + size_; }

 private:
  void* base_ = nullptr;
  size_t size_;
};

}  // namespace peapod::sys
