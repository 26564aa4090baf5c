// The per-pod shim: holds the pod's namespaces, runs its containers, answers the daemon.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "runtime/spec.h"
#include "shim/container.h"
#include "sys/cgroup.h"
#include "sys/unique_fd.h"

namespace peapod::shim {

class Shim {
 public:
  // Pod setup (see pod_setup.h), the pod cgroup, the socket, signalfd, subreaper. On error the
  // caller reports it on the ready fd and exits.
  static Result<std::unique_ptr<Shim>> create(const runtime::SandboxSpec& spec);
  ~Shim();

  // The epoll loop; returns the process exit code after shutdown (request or SIGTERM).
  int run();

 private:
  // What an epoll token refers to; looked up per event so stale tokens are harmless.
  enum class Kind : uint8_t { kListener, kSignal, kClient, kPidfd, kStdout, kStderr, kExecPidfd, kExecOutput, kExecTimer };
  struct Target {
    Kind kind;
    std::string name;  // container name, for container kinds
    int fd = -1;       // for clients
    uint64_t exec = 0; // for exec kinds
  };
  // One running "exec" request (exec.cc).
  struct Exec {
    nlohmann::json id;          // the request's id, echoed in the reply
    int clientFd = -1;
    uint64_t clientSerial = 0;  // guards against a reused fd number
    runtime::ExecProcess proc;
    sys::UniqueFd timer;        // timerfd for timeoutMs
    std::string output;
    size_t limit = 0;
    bool truncated = false, timedOut = false;
    bool stream = false;        // mode "stream": the exit goes out as an "execExit" event
    int64_t timeoutMs = 0;
  };

  explicit Shim(runtime::SandboxSpec spec);
  Status watch(int fd, Target target);
  void unwatch(int fd);
  void onEvent(uint64_t token);
  void acceptClients();
  void onClientReadable(int fd);
  void closeClient(int fd);
  void onSignal();
  void reapStrays();
  void onContainerExit(Container& c, const siginfo_t& info);
  nlohmann::json handle(int clientFd, const nlohmann::json& req, std::vector<sys::UniqueFd>& fds);
  nlohmann::json startContainer(const nlohmann::json& req);
  nlohmann::json attach(int clientFd, const nlohmann::json& req);  // "attach" and "closeStdin"
  void broadcast(const nlohmann::json& msg);
  // exec.cc
  // null = the reply comes later; `fds` are a stream exec's stdio
  nlohmann::json startExec(int clientFd, const nlohmann::json& req, std::vector<sys::UniqueFd>& fds);
  nlohmann::json signalExec(const nlohmann::json& req);
  void onExecEvent(const Target& t);
  void readExecOutput(Exec& e);
  void finishExec(uint64_t key, const siginfo_t* info);
  void killExecs(int clientFd);  // all of one client's (-1: all)
  void shutdown();

  runtime::SandboxSpec spec_;
  std::unique_ptr<sys::CgroupManager> cgroups_;
  MountNamespaces mountNs_;  // the host's (opened before unsharing) and the pod's
  sys::UniqueFd epoll_, listener_, signalFd_;
  std::unordered_map<int, sys::UniqueFd> clients_;
  std::unordered_map<int, uint64_t> clientSerial_;
  uint64_t nextClientSerial_ = 1;
  std::map<uint64_t, Exec> execs_;
  uint64_t nextExec_ = 1;
  std::map<std::string, std::unique_ptr<Container>> containers_;
  std::unordered_map<uint64_t, Target> targets_;
  std::unordered_map<int, uint64_t> tokenByFd_;
  uint64_t nextToken_ = 1;
  bool stopping_ = false;
};

}  // namespace peapod::shim
