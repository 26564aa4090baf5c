#include "shim/pod_setup.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace peapod::shim {

Status enterPodNamespaces(const runtime::SandboxSpec& spec) {
  if (::unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS) != 0) return Error::sys("unshare", "pod namespaces");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return Error::sys("make / private");
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
    return Error::sys("sethostname", spec.hostname);
  }
  std::string shm = spec.runDir + "/shm";
  if (::mkdir(shm.c_str(), 0755) != 0 && errno != EEXIST) return Error::sys("mkdir", shm);
  std::string opts = "mode=1777,size=" + std::to_string(spec.shmSizeBytes);
  if (::mount("shm", shm.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts.c_str()) != 0) {
    return Error::sys("mount tmpfs on", shm);
  }
  return {};
}

Result<sys::UniqueFd> listenUnixSeqpacket(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  sys::UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::sys("socket", "AF_UNIX");
  ::unlink(path.c_str());
  // The umask makes the socket 0600 from birth: no window where others could connect.
  mode_t old = ::umask(0177);
  int r = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::umask(old);
  if (r != 0) return Error::sys("bind", path, err);
  if (::listen(fd.get(), 16) != 0) return Error::sys("listen", path);
  return fd;
}

}  // namespace peapod::shim
