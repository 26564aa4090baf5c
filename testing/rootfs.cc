#include "testing/rootfs.h"

#include <fstream>
#include <stdexcept>

namespace peapod::testing {

void makeBusyboxRootfs(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir / "bin");
  fs::create_directories(dir / "etc");
  fs::create_directories(dir / "tmp");
  fs::permissions(dir / "tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::copy_file("/bin/busybox", dir / "bin/busybox", fs::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "echo", "cat", "sleep", "hostname", "ls", "id", "true", "false", "env", "wget",
                             "httpd", "readlink", "mkdir", "ps", "test", "touch", "grep", "kill", "mount", "stat",
                             "head", "wc", "printf", "rm", "nc", "ip", "whoami", "pwd"}) {
    std::error_code ec;
    fs::create_symlink("busybox", dir / "bin" / applet, ec);
  }
  std::ofstream(dir / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                       "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
  std::ofstream(dir / "etc/group") << "root:x:0:\nnogroup:x:65534:\n";
  if (!fs::exists(dir / "bin/busybox")) throw std::runtime_error("copy /bin/busybox failed");
}

}  // namespace peapod::testing
