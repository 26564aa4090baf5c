#include "runtime/shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "base/scope_exit.h"
#include "sys/unique_fd.h"

extern char** environ;

namespace peapod::runtime {
namespace {

constexpr int kReadyFd = 3;
constexpr int kReadyTimeoutMs = 10000;

Status writeSandboxJson(const std::string& path, const SandboxSpec& spec) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << toJson(spec).dump() << '\n';
    if (!out.flush()) return Error::sys("write", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error::sys("rename", path);
  return {};
}

// Reads the shim's one-line verdict, bounded so a wedged shim cannot wedge the daemon.
Result<std::string> readReadyLine(int fd) {
  std::string line;
  while (line.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, kReadyTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::sys("poll", "shim ready pipe");
    if (r == 0) return Error("shim did not report ready within 10s");
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::sys("read", "shim ready pipe");
    if (n == 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  return line;
}

}  // namespace

Result<int> launchShim(const std::string& shimBinary, const SandboxSpec& spec) {
  std::string sandboxPath = spec.runDir + "/sandbox.json";
  if (auto st = writeSandboxJson(sandboxPath, spec); !st.ok()) return std::move(st).error().wrap("launch shim");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Error::sys("pipe2").wrap("launch shim");
  sys::UniqueFd readEnd(p[0]), writeEnd(p[1]);
  if (writeEnd.get() == kReadyFd) {  // dup2(3, 3) would keep FD_CLOEXEC set
    writeEnd.reset(::fcntl(writeEnd.get(), F_DUPFD_CLOEXEC, kReadyFd + 1));
  }
  std::string logPath = spec.runDir + "/shim.log";

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  ScopeExit faDone([&] { posix_spawn_file_actions_destroy(&fa); });
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  posix_spawn_file_actions_adddup2(&fa, writeEnd.get(), kReadyFd);
  // The shim outlives its launcher: it must not hold the caller's other descriptors (listening
  // sockets, client connections, database files), whether or not they are close-on-exec.
  posix_spawn_file_actions_addclosefrom_np(&fa, kReadyFd + 1);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  ScopeExit attrDone([&] { posix_spawnattr_destroy(&attr); });
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);

  std::string readyArg = std::to_string(kReadyFd);
  const char* argv[] = {shimBinary.c_str(), "--sandbox", sandboxPath.c_str(), "--ready-fd", readyArg.c_str(), nullptr};
  pid_t pid;
  int err = ::posix_spawn(&pid, shimBinary.c_str(), &fa, &attr, const_cast<char**>(argv), environ);
  if (err != 0) return Error::sys("posix_spawn", shimBinary, err).wrap("launch shim");
  writeEnd.reset();  // so EOF arrives if the shim dies before reporting

  auto line = readReadyLine(readEnd.get());
  if (!line.ok() || line->rfind("ok\n", 0) != 0) {
    ::kill(pid, SIGKILL);  // never leave a half-set-up shim behind
    if (!line.ok()) return std::move(line).error().wrap("launch shim");
    std::string msg = *line;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (msg.rfind("error: ", 0) == 0) msg.erase(0, 7);
    if (msg.empty()) msg = "shim exited before reporting ready (see " + logPath + ")";
    return Error(msg).wrap("launch shim");
  }
  return static_cast<int>(pid);
}

}  // namespace peapod::runtime
