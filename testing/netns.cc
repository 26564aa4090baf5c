#include "testing/netns.h"

#include <fcntl.h>
#include <sched.h>

#include <thread>

namespace peapod::testing {

sys::UniqueFd newNetns() {
  sys::UniqueFd fd;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  });
  t.join();
  return fd;
}

}  // namespace peapod::testing
