// launchShim: the shim as a vfork-style clone (in a new PID namespace for shareProcessNamespace).
#include "runtime/shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "sys/process.h"
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

// What the shim's clone child needs, computed before the clone (CLONE_VM: shared memory).
struct ShimChild {
  const char* path;
  char* const* argv;
  int devNull, log, ready;
  int execErr = 0;  // written by the child when execve fails
};

// Runs on the clone stack until execve: only async-signal-safe calls on precomputed data.
int shimChildMain(void* arg) {
  auto* c = static_cast<ShimChild*>(arg);
  // dup2 clears FD_CLOEXEC on the targets (dup2(fd, fd) would not: cleared by hand); everything
  // else is closed below or on exec.
  auto place = [](int from, int to) {
    if (from != to) return ::dup2(from, to);
    return ::fcntl(to, F_SETFD, 0);
  };
  if (place(c->devNull, 0) < 0 || place(c->devNull, 1) < 0 || place(c->log, 2) < 0 ||
      place(c->ready, kReadyFd) < 0) {
    c->execErr = errno;
    ::_exit(127);
  }
  // The shim outlives its launcher: it must not hold the caller's other descriptors (listening
  // sockets, client connections, database files), whether or not they are close-on-exec.
  ::syscall(SYS_close_range, kReadyFd + 1, ~0U, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for KILL/STOP: fine
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(c->path, c->argv, environ);
  c->execErr = errno;
  ::_exit(127);
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
  // Opened here, not in the child: the child may only make async-signal-safe calls.
  sys::UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) return Error::sys("open", "/dev/null").wrap("launch shim");
  sys::UniqueFd log(::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log) return Error::sys("open", logPath).wrap("launch shim");

  std::string readyArg = std::to_string(kReadyFd);
  const char* argv[] = {shimBinary.c_str(), "--sandbox", sandboxPath.c_str(), "--ready-fd", readyArg.c_str(), nullptr};
  ShimChild child{shimBinary.c_str(), const_cast<char* const*>(argv), devNull.get(), log.get(), writeEnd.get()};
  sys::CloneStack stack;
  if (!stack.ok()) return Error::sys("mmap", "clone stack").wrap("launch shim");
  // Signals stay blocked across the clone: a handler of the daemon must never run on the child's
  // stack in the shared address space. The child resets dispositions and the mask before exec.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  // shareProcessNamespace: the shim is born as PID 1 of the pod's new PID namespace.
  if (spec.sharePid) flags |= CLONE_NEWPID;
  int pid = ::clone(shimChildMain, stack.top(), flags, &child);
  int cloneErr = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return Error::sys("clone", shimBinary, cloneErr).wrap("launch shim");
  if (child.execErr != 0) return Error::sys("execve", shimBinary, child.execErr).wrap("launch shim");
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
