// Network namespaces for integration tests.
#pragma once

#include "sys/unique_fd.h"

namespace peapod::testing {

// A new network namespace held only by the returned fd (invalid on failure): closing it destroys
// the namespace and any veth end inside it. Made on a short-lived thread, since netns is per
// thread and the test's own thread stays on the host.
sys::UniqueFd newNetns();

}  // namespace peapod::testing
