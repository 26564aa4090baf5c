// A tiny busybox root filesystem for tests, used as a single overlay lower layer.
#pragma once

#include <filesystem>

namespace peapod::testing {

// Copies /bin/busybox (busybox-static) to dir/bin/busybox with applet symlinks (sh, echo, cat,
// sleep, hostname, ls, id, ...), writes dir/etc/passwd and dir/etc/group, creates dir/tmp (1777).
void makeBusyboxRootfs(const std::filesystem::path& dir);

}  // namespace peapod::testing
