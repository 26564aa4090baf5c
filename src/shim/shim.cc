#include "shim/shim.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.h"
#include "base/scope_exit.h"
#include "runtime/shim_protocol.h"
#include "shim/pod_setup.h"
#include "sys/process.h"

namespace peapod::shim {
namespace {

using nlohmann::json;
using runtime::LogStream;

json okReply(const json& id) { return json{{"id", id}, {"ok", true}}; }
json errorReply(const json& id, const std::string& message) {
  return json{{"id", id}, {"ok", false}, {"error", message}};
}

}  // namespace

Shim::Shim(runtime::SandboxSpec spec) : spec_(std::move(spec)) {}
Shim::~Shim() = default;

Result<std::unique_ptr<Shim>> Shim::create(const runtime::SandboxSpec& spec) {
  std::unique_ptr<Shim> s(new Shim(spec));
  // Both mount namespaces stay at hand for Bidirectional volumes (host_mounts.h).
  s->mountNs_.host.reset(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  PEAPOD_TRY(enterPodNamespaces(spec));
  s->mountNs_.pod.reset(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  PEAPOD_ASSIGN_OR_RETURN(s->cgroups_, sys::makeCgroupManager(spec.cgroupRoot));
  if (auto st = s->cgroups_->create(spec.cgroupParent); !st.ok()) return std::move(st).error().wrap("pod cgroup");
  bool ok = false;
  ScopeExit removeCgroup([&] {
    if (!ok) (void)s->cgroups_->remove(spec.cgroupParent);
  });
  if (spec.pidsLimit > 0) {
    sys::CgroupLimits pids;
    pids.pidsMax = spec.pidsLimit;
    if (auto st = s->cgroups_->apply(spec.cgroupParent, pids); !st.ok()) return std::move(st).error().wrap("pod pids limit");
  }

  // Signals arrive through the loop: SIGCHLD for strays, SIGTERM/SIGINT mean shutdown.
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, sig);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return Error::sys("sigprocmask");
  ::signal(SIGPIPE, SIG_IGN);
  s->signalFd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!s->signalFd_) return Error::sys("signalfd");
  // Orphans of processes entered into the pod (exec) come to us, not to the host's init.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return Error::sys("prctl", "PR_SET_CHILD_SUBREAPER");

  s->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!s->epoll_) return Error::sys("epoll_create1");
  PEAPOD_ASSIGN_OR_RETURN(s->listener_, listenUnixSeqpacket(spec.runDir + "/" + runtime::kShimSocketName));
  PEAPOD_TRY(s->watch(s->listener_.get(), {Kind::kListener, "", s->listener_.get()}));
  PEAPOD_TRY(s->watch(s->signalFd_.get(), {Kind::kSignal, "", s->signalFd_.get()}));
  ok = true;
  return s;
}

Status Shim::watch(int fd, Target target) {
  uint64_t token = nextToken_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return Error::sys("epoll_ctl", "add");
  targets_[token] = std::move(target);
  tokenByFd_[fd] = token;
  return {};
}

void Shim::unwatch(int fd) {
  auto it = tokenByFd_.find(fd);
  if (it == tokenByFd_.end()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);  // EBADF once closed is fine
  targets_.erase(it->second);
  tokenByFd_.erase(it);
}

int Shim::run() {
  epoll_event events[16];
  while (!stopping_) {
    int n = ::epoll_wait(epoll_.get(), events, 16, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      log::error(Error::sys("epoll_wait").message());
      shutdown();
      return 1;
    }
    for (int i = 0; i < n && !stopping_; ++i) onEvent(events[i].data.u64);
  }
  return 0;
}

void Shim::onEvent(uint64_t token) {
  auto it = targets_.find(token);
  if (it == targets_.end()) return;  // its fd was unwatched earlier in this batch
  Target t = it->second;
  switch (t.kind) {
    case Kind::kListener: acceptClients(); return;
    case Kind::kSignal: onSignal(); return;
    case Kind::kClient: onClientReadable(t.fd); return;
    case Kind::kExecPidfd:
    case Kind::kExecOutput:
    case Kind::kExecTimer: onExecEvent(t); return;
    default: break;
  }
  auto c = containers_.find(t.name);
  if (c == containers_.end()) return unwatch(t.fd);
  Container& ctr = *c->second;
  if (t.kind == Kind::kPidfd) {
    if (ctr.pidfd() != t.fd || !ctr.running()) return unwatch(t.fd);
    auto info = sys::pidfdWait(t.fd, WEXITED | WNOHANG);
    if (info.ok() && info->si_pid != 0) onContainerExit(ctr, *info);
    return;
  }
  LogStream s = t.kind == Kind::kStdout ? LogStream::kStdout : LogStream::kStderr;
  if (ctr.outputFd(s) != t.fd) return unwatch(t.fd);
  ctr.readOutput(s);
  if (ctr.outputFd(s) != t.fd) unwatch(t.fd);  // reached EOF and closed
}

void Shim::acceptClients() {
  while (true) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN, or a transient error the next wakeup retries
    }
    clients_.emplace(fd, sys::UniqueFd(fd));
    clientSerial_[fd] = nextClientSerial_++;
    if (!watch(fd, {Kind::kClient, "", fd}).ok()) {
      clients_.erase(fd);
      clientSerial_.erase(fd);
    }
  }
}

void Shim::closeClient(int fd) {
  killExecs(fd);  // nobody is left to read their results
  unwatch(fd);
  clients_.erase(fd);
  clientSerial_.erase(fd);
}

void Shim::onClientReadable(int fd) {
  // One request per wakeup keeps fairness between clients; epoll re-reports the rest.
  std::vector<sys::UniqueFd> fds;  // a stream exec's stdio
  auto msg = runtime::recvMessage(fd, &fds);
  if (!msg.ok()) {
    const Error& e = msg.error();
    if (e.code() == EAGAIN || e.code() == EINTR) return;
    if (e.code() != 0 || e.message() == "closed") return closeClient(fd);
    if (!runtime::sendMessage(fd, errorReply(nullptr, e.message())).ok()) closeClient(fd);
    return;
  }
  const bool start = msg->is_object() && msg->contains("op") && (*msg)["op"] == "start";
  json reply = handle(fd, *msg, fds);
  if (reply.is_null()) return;  // answered later (exec)
  if (!runtime::sendMessage(fd, reply).ok()) closeClient(fd);
  if (start) {
    // A start request is the shim's biggest allocation (the spec, a base64 seccomp program):
    // hand the freed heap back, or every pod's shim keeps those pages dirty for its lifetime.
    *msg = nullptr;
    reply = nullptr;
    ::malloc_trim(0);
  }
}

json Shim::handle(int clientFd, const json& req, std::vector<sys::UniqueFd>& fds) {
  json id = req.contains("id") ? req["id"] : json(nullptr);
  std::string op = req.contains("op") && req["op"].is_string() ? req["op"].get<std::string>() : "";
  if (op == "start") return startContainer(req);
  if (op == "exec") return startExec(clientFd, req, fds);
  if (op == "execSignal") return signalExec(req);
  if (op == "attach" || op == "closeStdin") return attach(clientFd, req);
  if (op == "state") {
    json list = json::array();
    for (const auto& [name, c] : containers_) list.push_back(runtime::toJson(c->state()));
    json r = okReply(id);
    r["containers"] = std::move(list);
    return r;
  }
  if (op == "signal") {
    std::string name = req.value("name", "");
    int sig = req.contains("signal") && req["signal"].is_number_integer() ? req["signal"].get<int>() : 0;
    auto it = containers_.find(name);
    if (it == containers_.end()) return errorReply(id, "no such container \"" + name + "\"");
    if (sig <= 0 || sig >= 65) return errorReply(id, "invalid signal " + std::to_string(sig));
    auto st = it->second->signal(sig);
    return st.ok() ? okReply(id) : errorReply(id, st.error().message());
  }
  if (op == "shutdown") {
    shutdown();
    return okReply(id);
  }
  return errorReply(id, "unknown op \"" + op + "\"");
}

json Shim::startContainer(const json& req) {
  json id = req.contains("id") ? req["id"] : json(nullptr);
  if (!req.contains("spec")) return errorReply(id, "start: missing spec");
  auto spec = runtime::containerSpecFromJson(req["spec"]);
  if (!spec.ok()) return errorReply(id, spec.error().wrap("start: spec").message());
  // hostPID and shareProcessNamespace: the container stays in the shim's PID namespace.
  spec->newPidNamespace = !(spec_.hostPID || spec_.sharePid);
  if (auto it = containers_.find(spec->name); it != containers_.end() && it->second->running()) {
    return errorReply(id, "container \"" + spec->name + "\" is already running");
  }
  // The host's cgroup mounts, read once: every container mounts the same hierarchies.
  static const auto cgroupMounts = sys::cgroupHierarchies(spec_.cgroupRoot);
  PodContext pod{spec_.runDir, spec_.cgroupParent, cgroups_.get(), cgroupMounts.ok() ? &*cgroupMounts : nullptr,
                 &mountNs_};
  auto c = Container::start(*spec, pod);
  if (!c.ok()) return errorReply(id, c.error().message());
  Container& ctr = **c;
  containers_[spec->name] = std::move(*c);  // replaces an exited record (a restart)
  // A container that already exited is still seen: the pidfd stays readable (level-triggered).
  (void)watch(ctr.pidfd(), {Kind::kPidfd, spec->name, ctr.pidfd()});
  (void)watch(ctr.outputFd(LogStream::kStdout), {Kind::kStdout, spec->name, ctr.outputFd(LogStream::kStdout)});
  (void)watch(ctr.outputFd(LogStream::kStderr), {Kind::kStderr, spec->name, ctr.outputFd(LogStream::kStderr)});
  json r = okReply(id);
  r["state"] = runtime::toJson(ctr.state());
  return r;
}

// "attach" answers with the container's stdin attached (a dup stays with the shim, so a
// container outlives its attach sessions and daemon restarts); "closeStdin" ends its input.
json Shim::attach(int clientFd, const json& req) {
  json id = req.contains("id") ? req["id"] : json(nullptr);
  std::string name = req.value("name", "");
  auto it = containers_.find(name);
  if (it == containers_.end() || !it->second->running()) return errorReply(id, "container \"" + name + "\" is not running");
  Container& c = *it->second;
  if (req.value("op", "") == "closeStdin") {
    c.closeStdin();
    return okReply(id);
  }
  json r = okReply(id);
  r["tty"] = c.tty();
  r["stdin"] = c.stdinFd() >= 0;
  std::vector<int> fds;
  if (c.stdinFd() >= 0) fds.push_back(c.stdinFd());
  if (!runtime::sendMessage(clientFd, r, fds).ok()) closeClient(clientFd);
  return nullptr;  // answered
}

void Shim::onContainerExit(Container& c, const siginfo_t& info) {
  for (int fd : {c.pidfd(), c.outputFd(LogStream::kStdout), c.outputFd(LogStream::kStderr)}) {
    if (fd >= 0) unwatch(fd);
  }
  c.onExited(info);
  broadcast(json{{"event", "exit"}, {"state", runtime::toJson(c.state())}});
}

void Shim::broadcast(const json& msg) {
  std::vector<int> dead;
  for (const auto& [fd, owner] : clients_) {
    // A client that does not read its events (full buffer) is dropped rather than stalling the pod.
    if (!runtime::sendMessage(fd, msg).ok()) dead.push_back(fd);
  }
  for (int fd : dead) closeClient(fd);
}

void Shim::onSignal() {
  signalfd_siginfo si;
  bool child = false, term = false;
  while (::read(signalFd_.get(), &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGCHLD) child = true;
    else term = true;
  }
  if (child) reapStrays();
  if (term) shutdown();
}

void Shim::reapStrays() {
  // Containers first, through their pidfds, so their statuses are never lost to waitpid(-1).
  for (auto& [name, c] : containers_) {
    if (!c->running()) continue;
    auto info = sys::pidfdWait(c->pidfd(), WEXITED | WNOHANG);
    if (info.ok() && info->si_pid != 0) onContainerExit(*c, *info);
  }
  std::vector<std::pair<uint64_t, siginfo_t>> execsDone;
  for (auto& [key, e] : execs_) {
    auto info = sys::pidfdWait(e.proc.pidfd.get(), WEXITED | WNOHANG);
    if (info.ok() && info->si_pid != 0) execsDone.emplace_back(key, *info);
  }
  for (auto& [key, info] : execsDone) finishExec(key, &info);
  while (true) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0) return;
    for (auto& [name, c] : containers_) {  // a container that exited since the pass above
      if (c->running() && c->state().pid == info.si_pid) onContainerExit(*c, info);
    }
    for (auto& [key, e] : execs_) {  // likewise an exec
      if (e.proc.pid == info.si_pid) {
        finishExec(key, &info);
        break;
      }
    }
  }
}

void Shim::shutdown() {
  if (stopping_) return;
  killExecs(-1);
  // 1. SIGKILL every running container, 2. reap each (blocking: SIGKILL cannot be ignored),
  // 3. remove the pod cgroup and the socket. The mount namespace and its tmpfs mounts go away
  // with this process.
  for (auto& [name, c] : containers_) {
    if (c->running()) (void)c->signal(SIGKILL);
  }
  for (auto& [name, c] : containers_) {
    if (!c->running()) continue;
    auto info = sys::pidfdWait(c->pidfd(), WEXITED);
    if (info.ok()) onContainerExit(*c, *info);
  }
  containers_.clear();
  if (auto st = cgroups_->remove(spec_.cgroupParent); !st.ok()) log::warn(st.error().message());
  unwatch(listener_.get());
  listener_.reset();
  ::unlink((spec_.runDir + "/" + runtime::kShimSocketName).c_str());
  std::string shm = spec_.runDir + "/shm";
  ::umount2(shm.c_str(), MNT_DETACH);
  ::rmdir(shm.c_str());
  ::rmdir((spec_.runDir + "/containers").c_str());
  stopping_ = true;
}

}  // namespace peapod::shim
