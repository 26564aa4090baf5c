// The shim's one-time pod setup: namespaces, hostname, /dev/shm, the listening socket.
#include "shim/pod_setup.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace peapod::shim {

int podNamespaceFlags(const runtime::SandboxSpec& spec) {
  int flags = CLONE_NEWNS;
  // containerd keeps the host's UTS namespace exactly when the network is the host's.
  if (!spec.hostNetwork) flags |= CLONE_NEWNET | CLONE_NEWUTS;
  if (!spec.hostIPC) flags |= CLONE_NEWIPC;
  return flags;
}

Status enterPodNamespaces(const runtime::SandboxSpec& spec) {
  int flags = podNamespaceFlags(spec);
  if (::unshare(flags) != 0) return Error::sys("unshare", "pod namespaces");
  // A slave, not private: host mounts under a shared mount (the pod's volume dir where the node
  // binds subPaths, hostPath mounts with HostToContainer) keep reaching the pod; nothing made
  // in the pod goes back to the host. Container binds are made private unless asked otherwise.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return Error::sys("make / rslave");
  // As PID 1 of the pod's PID namespace the shim needs a /proc of that namespace: the host's
  // would resolve the pids it gets from clone() to unrelated host processes.
  if (spec.sharePid && ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Error::sys("mount proc on", "/proc");
  }
  if ((flags & CLONE_NEWUTS) && !spec.hostname.empty() &&
      ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
    return Error::sys("sethostname", spec.hostname);
  }
  std::string shm = spec.runDir + "/shm";
  if (::mkdir(shm.c_str(), 0755) != 0 && errno != EEXIST) return Error::sys("mkdir", shm);
  if (spec.hostIPC) {
    // hostIPC shares POSIX shared memory too: the host's /dev/shm, as containerd mounts it.
    if (::mount("/dev/shm", shm.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return Error::sys("bind /dev/shm on", shm);
    }
    return {};
  }
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
