// The shim's "exec" op: a command run inside a container, answered when it exits or times out,
// without blocking the loop (pidfd, output pipe and timerfd are all epoll targets). In stream mode
// (kubectl exec) the daemon passes the stdio in, the reply goes out at once and the exit later as
// an event.
#include <signal.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "runtime/shim_protocol.h"
#include "shim/shim.h"
#include "sys/process.h"

namespace peapod::shim {
namespace {

using nlohmann::json;

json errorReply(const json& id, const std::string& message) {
  return json{{"id", id}, {"ok", false}, {"error", message}};
}

}  // namespace

json Shim::startExec(int clientFd, const json& req, std::vector<sys::UniqueFd>& fds) {
  json id = req.contains("id") ? req["id"] : json(nullptr);
  std::string name = req.value("name", "");
  std::string mode = req.contains("mode") && req["mode"].is_string() ? req["mode"].get<std::string>() : "capture";
  if (mode != "capture" && mode != "stream") return errorReply(id, "exec: unsupported mode \"" + mode + "\"");
  runtime::ExecRequest stdio;
  if (mode == "stream") {
    stdio.streams = true;
    const json roles = req.contains("stdio") && req["stdio"].is_array() ? req["stdio"] : json::array();
    if (roles.size() != fds.size()) return errorReply(id, "exec: \"stdio\" does not match the attached fds");
    for (size_t i = 0; i < roles.size(); ++i) {
      std::string role = roles[i].is_string() ? roles[i].get<std::string>() : "";
      int fd = fds[i].get();
      if (role == "stdin") stdio.stdinFd = fd;
      else if (role == "stdout") stdio.stdoutFd = fd;
      else if (role == "stderr") stdio.stderrFd = fd;
      else if (role == "tty") {
        stdio.tty = true;
        stdio.stdinFd = stdio.stdoutFd = stdio.stderrFd = fd;
      } else {
        return errorReply(id, "exec: unknown stdio role \"" + role + "\"");
      }
    }
  }
  std::vector<std::string> command;
  if (req.contains("command") && req["command"].is_array()) {
    for (const auto& a : req["command"]) {
      if (!a.is_string()) return errorReply(id, "exec: command must be an array of strings");
      command.push_back(a.get<std::string>());
    }
  }
  if (command.empty()) return errorReply(id, "exec: missing command");
  int64_t timeoutMs = req.contains("timeoutMs") && req["timeoutMs"].is_number_integer() ? req["timeoutMs"].get<int64_t>() : 0;
  size_t limit = req.contains("outputLimit") && req["outputLimit"].is_number_unsigned()
                     ? req["outputLimit"].get<size_t>()
                     : runtime::kExecOutputLimit;
  auto it = containers_.find(name);
  if (it == containers_.end()) return errorReply(id, "no such container \"" + name + "\"");
  auto proc = it->second->exec(command, stdio);
  fds.clear();  // the child has its copies; ours would keep the daemon's reads from ever ending
  if (!proc.ok()) return errorReply(id, proc.error().message());

  uint64_t key = nextExec_++;
  Exec& e = execs_[key];
  e.id = id;
  e.clientFd = clientFd;
  e.clientSerial = clientSerial_[clientFd];
  e.proc = std::move(*proc);
  e.limit = std::min(limit, runtime::kMaxMessageBytes / 2);
  e.timeoutMs = timeoutMs;
  e.stream = mode == "stream";
  if (e.stream) {
    (void)watch(e.proc.pidfd.get(), {Kind::kExecPidfd, name, e.proc.pidfd.get(), key});
    return json{{"id", id}, {"ok", true}, {"execId", key}, {"pid", e.proc.pid}};
  }
  if (timeoutMs > 0) {
    e.timer.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    itimerspec its{};
    its.it_value.tv_sec = timeoutMs / 1000;
    its.it_value.tv_nsec = (timeoutMs % 1000) * 1'000'000;
    if (!e.timer || ::timerfd_settime(e.timer.get(), 0, &its, nullptr) != 0) {
      log::warn(Error::sys("timerfd", "exec timeout").message());
      e.timer.reset();
    } else {
      (void)watch(e.timer.get(), {Kind::kExecTimer, name, e.timer.get(), key});
    }
  }
  (void)watch(e.proc.output.get(), {Kind::kExecOutput, name, e.proc.output.get(), key});
  // Level-triggered: an exec that already exited is reported on the next wakeup.
  (void)watch(e.proc.pidfd.get(), {Kind::kExecPidfd, name, e.proc.pidfd.get(), key});
  return nullptr;
}

void Shim::onExecEvent(const Target& t) {
  auto it = execs_.find(t.exec);
  if (it == execs_.end()) return unwatch(t.fd);
  Exec& e = it->second;
  switch (t.kind) {
    case Kind::kExecOutput:
      readExecOutput(e);
      return;
    case Kind::kExecTimer: {
      uint64_t ticks;
      (void)!::read(t.fd, &ticks, sizeof ticks);
      unwatch(t.fd);
      e.timer.reset();
      e.timedOut = true;
      // Its whole process group: a shell's children would otherwise outlive the probe.
      ::kill(-e.proc.pid, SIGKILL);
      (void)sys::pidfdSignal(e.proc.pidfd.get(), SIGKILL);
      return;  // the pidfd reports the exit, and the reply goes out then
    }
    case Kind::kExecPidfd: {
      auto info = sys::pidfdWait(t.fd, WEXITED | WNOHANG);
      if (info.ok() && info->si_pid != 0) finishExec(t.exec, &*info);
      return;
    }
    default:
      return;
  }
}

void Shim::readExecOutput(Exec& e) {
  char buf[8192];
  for (int i = 0; i < 16 && e.proc.output; ++i) {
    ssize_t n = ::read(e.proc.output.get(), buf, sizeof buf);
    if (n > 0) {
      size_t room = e.limit > e.output.size() ? e.limit - e.output.size() : 0;
      size_t take = std::min(room, static_cast<size_t>(n));
      e.output.append(buf, take);
      if (take < static_cast<size_t>(n)) e.truncated = true;  // keep reading so the writer never blocks
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    unwatch(e.proc.output.get());
    e.proc.output.reset();
  }
}

// info == nullptr: killed because its client went away; no reply.
void Shim::finishExec(uint64_t key, const siginfo_t* info) {
  auto it = execs_.find(key);
  if (it == execs_.end()) return;
  Exec& e = it->second;
  // What it wrote before exiting is in the pipe; a background child holding the pipe open does
  // not delay the reply (bounded drain).
  for (int i = 0; i < 8 && e.proc.output; ++i) readExecOutput(e);
  for (int fd : {e.proc.pidfd.get(), e.proc.output.get(), e.timer.get()}) {
    if (fd >= 0) unwatch(fd);
  }
  if (info != nullptr) {
    json reply;
    bool signaled = info->si_code != CLD_EXITED;
    if (e.stream) {
      reply = json{{"event", "execExit"},
                   {"execId", key},
                   {"exitCode", signaled ? 128 + info->si_status : info->si_status},
                   {"signal", signaled ? info->si_status : 0}};
    } else if (e.timedOut) {
      reply = errorReply(e.id, "command timed out after " + std::to_string(e.timeoutMs) + "ms");
      reply["timedOut"] = true;
    } else {
      reply = json{{"id", e.id},
                   {"ok", true},
                   {"exitCode", signaled ? 128 + info->si_status : info->si_status},
                   {"signal", signaled ? info->si_status : 0},
                   {"output", e.output},
                   {"truncated", e.truncated}};
    }
    auto serial = clientSerial_.find(e.clientFd);
    if (serial != clientSerial_.end() && serial->second == e.clientSerial) {
      if (!runtime::sendMessage(e.clientFd, reply).ok()) {
        int fd = e.clientFd;
        execs_.erase(it);
        closeClient(fd);
        return;
      }
    }
  }
  execs_.erase(it);
}

json Shim::signalExec(const json& req) {
  json id = req.contains("id") ? req["id"] : json(nullptr);
  uint64_t key = req.contains("execId") && req["execId"].is_number_unsigned() ? req["execId"].get<uint64_t>() : 0;
  int sig = req.contains("signal") && req["signal"].is_number_integer() ? req["signal"].get<int>() : 0;
  if (sig <= 0 || sig >= 65) return errorReply(id, "invalid signal " + std::to_string(sig));
  auto it = execs_.find(key);
  if (it == execs_.end()) return json{{"id", id}, {"ok", true}};  // already gone: nothing to do
  ::kill(-it->second.proc.pid, sig);  // its process group (a tty exec's session)
  return json{{"id", id}, {"ok", true}};
}

void Shim::killExecs(int clientFd) {
  std::vector<uint64_t> keys;
  for (auto& [key, e] : execs_) {
    if (clientFd == -1 || e.clientFd == clientFd) keys.push_back(key);
  }
  for (uint64_t key : keys) {
    Exec& e = execs_[key];
    ::kill(-e.proc.pid, SIGKILL);
    (void)sys::pidfdSignal(e.proc.pidfd.get(), SIGKILL);
    (void)sys::pidfdWait(e.proc.pidfd.get(), WEXITED);  // SIGKILL cannot be ignored
    finishExec(key, nullptr);
  }
}

}  // namespace peapod::shim
