// ShimConnection: the daemon's end of one pod shim's socket. Quick requests are synchronous (the
// shim answers in well under a millisecond); slow ones (exec) are asynchronous, and exit events
// arrive asynchronously on the event loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "node/asio.h"
#include "runtime/spec.h"
#include "sys/unique_fd.h"

namespace peapod::node {

class ShimConnection {
 public:
  using ExitHandler = std::function<void(const runtime::ContainerState&)>;
  using ClosedHandler = std::function<void()>;
  using ReplyHandler = std::function<void(Result<nlohmann::json>)>;
  struct ExecExit {
    int exitCode = 0;  // 128+N when killed by signal N
    int signal = 0;
  };
  using ExecExitHandler = std::function<void(Result<ExecExit>)>;

  // Connects to <runDir>/shim.sock. Handlers run on the event loop, never inside call().
  static Result<std::unique_ptr<ShimConnection>> connect(asio::io_context& io, const std::string& socketPath,
                                                         ExitHandler onExit, ClosedHandler onClosed);
  ~ShimConnection();

  // Sends {"op": op, ...fields} and waits for its reply; events read meanwhile are queued. With
  // `fds`, descriptors the reply carries are returned there.
  Result<nlohmann::json> call(const std::string& op, nlohmann::json fields = nlohmann::json::object(),
                              std::vector<sys::UniqueFd>* fds = nullptr);
  // Sends {"op": op, ...fields}; `done` runs on the event loop with the reply (an Error when "ok"
  // is false or the shim went away), never inside this call. Dropped if the connection is.
  void callAsync(const std::string& op, nlohmann::json fields, ReplyHandler done);
  // A stream exec (shim_protocol.h): sends {"op":"exec","mode":"stream",...fields} with `fds`
  // attached (copies; the caller keeps and closes its own). `started` gets the reply ("execId",
  // "pid") or an Error; after a successful start `exited` runs once with the exit, or an Error
  // if the shim connection is lost first. Both run on the event loop, never inside this call.
  void execStream(nlohmann::json fields, const std::vector<int>& fds, ReplyHandler started, ExecExitHandler exited);
  // The shim's pid (SO_PEERCRED), for entering its namespaces; 0 if unknown.
  int peerPid() const;

 private:
  ShimConnection(asio::io_context& io, int fd, ExitHandler onExit, ClosedHandler onClosed);
  void armRead();
  void drain();  // reads every message ready on the socket without blocking
  void dispatch(nlohmann::json message);
  void markClosed();  // fails pending async calls, then tells the owner
  static Result<nlohmann::json> toResult(nlohmann::json reply);

  asio::io_context& io_;
  asio::posix::stream_descriptor socket_;
  ExitHandler onExit_;
  ClosedHandler onClosed_;
  int64_t nextId_ = 1;
  std::map<int64_t, ReplyHandler> pending_;  // async calls by id
  std::map<int64_t, ExecExitHandler> execStarting_;  // stream execs by request id, until the reply
  std::map<uint64_t, ExecExitHandler> execRunning_;  // then by execId, until "execExit"
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards posted callbacks
};

}  // namespace peapod::node
