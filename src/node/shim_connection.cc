#include "node/shim_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include "base/log.h"
#include "runtime/shim_protocol.h"

namespace peapod::node {

Result<std::unique_ptr<ShimConnection>> ShimConnection::connect(asio::io_context& io, const std::string& socketPath,
                                                                ExitHandler onExit, ClosedHandler onClosed) {
  PEAPOD_ASSIGN_OR_RETURN(sys::UniqueFd fd, runtime::connectShim(socketPath));
  std::unique_ptr<ShimConnection> c(new ShimConnection(io, fd.release(), std::move(onExit), std::move(onClosed)));
  c->armRead();
  return c;
}

ShimConnection::ShimConnection(asio::io_context& io, int fd, ExitHandler onExit, ClosedHandler onClosed)
    : io_(io), socket_(io, fd), onExit_(std::move(onExit)), onClosed_(std::move(onClosed)) {}

ShimConnection::~ShimConnection() {
  *alive_ = false;
  boost::system::error_code ec;
  socket_.close(ec);
}

void ShimConnection::armRead() {
  if (closed_) return;
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this, alive = alive_](const boost::system::error_code& ec) {
                       if (ec || !*alive) return;
                       drain();
                       armRead();
                     });
}

void ShimConnection::drain() {
  while (!closed_) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return;
    auto msg = runtime::recvMessage(socket_.native_handle());
    if (!msg.ok()) {
      markClosed();
      return;
    }
    dispatch(std::move(*msg));
  }
}

void ShimConnection::markClosed() {
  closed_ = true;
  auto pending = std::move(pending_);
  pending_.clear();
  std::vector<ExecExitHandler> execs;
  for (auto& [id, h] : execStarting_) execs.push_back(std::move(h));
  for (auto& [id, h] : execRunning_) execs.push_back(std::move(h));
  execStarting_.clear();
  execRunning_.clear();
  asio::post(io_, [this, alive = alive_, pending = std::move(pending), execs = std::move(execs)] {
    if (!*alive) return;
    for (auto& [id, done] : pending) done(Error("shim connection closed"));
    for (auto& exited : execs) {
      if (*alive) exited(Error("shim connection closed"));
    }
    if (*alive && onClosed_) onClosed_();
  });
}

Result<nlohmann::json> ShimConnection::toResult(nlohmann::json reply) {
  if (!reply.value("ok", false)) return Error(reply.value("error", std::string("shim request failed")));
  return reply;
}

void ShimConnection::callAsync(const std::string& op, nlohmann::json fields, ReplyHandler done) {
  if (closed_) {
    asio::post(io_, [alive = alive_, done = std::move(done)] {
      if (*alive) done(Error("shim connection closed"));
    });
    return;
  }
  int64_t id = nextId_++;
  fields["id"] = id;
  fields["op"] = op;
  auto st = runtime::sendMessage(socket_.native_handle(), fields);
  if (!st.ok()) {
    asio::post(io_, [alive = alive_, done = std::move(done), err = std::move(st).error().wrap("shim " + op)]() mutable {
      if (*alive) done(std::move(err));
    });
    return;
  }
  pending_.emplace(id, std::move(done));
}

void ShimConnection::execStream(nlohmann::json fields, const std::vector<int>& fds, ReplyHandler started,
                                ExecExitHandler exited) {
  if (closed_) {
    asio::post(io_, [alive = alive_, started = std::move(started)] {
      if (*alive) started(Error("shim connection closed"));
    });
    return;
  }
  int64_t id = nextId_++;
  fields["id"] = id;
  fields["op"] = "exec";
  fields["mode"] = "stream";
  auto st = runtime::sendMessage(socket_.native_handle(), fields, fds);
  if (!st.ok()) {
    asio::post(io_, [alive = alive_, started = std::move(started), err = std::move(st).error().wrap("shim exec")]() mutable {
      if (*alive) started(std::move(err));
    });
    return;
  }
  pending_.emplace(id, std::move(started));
  execStarting_.emplace(id, std::move(exited));
}

int ShimConnection::peerPid() const {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(const_cast<asio::posix::stream_descriptor&>(socket_).native_handle(), SOL_SOCKET, SO_PEERCRED,
                   &cred, &len) != 0) {
    return 0;
  }
  return cred.pid;
}

void ShimConnection::dispatch(nlohmann::json message) {
  if (!message.contains("event")) {
    auto it = message.contains("id") && message["id"].is_number_integer() ? pending_.find(message["id"].get<int64_t>())
                                                                          : pending_.end();
    if (it == pending_.end()) return;  // a reply to an abandoned call
    // A stream exec's exit handler moves to its execId now, before any later event is read.
    if (auto ex = execStarting_.find(it->first); ex != execStarting_.end()) {
      if (message.value("ok", false) && message.contains("execId") && message["execId"].is_number_unsigned()) {
        execRunning_[message["execId"].get<uint64_t>()] = std::move(ex->second);
      }
      execStarting_.erase(ex);
    }
    asio::post(io_, [alive = alive_, done = std::move(it->second), r = toResult(std::move(message))]() mutable {
      if (*alive) done(std::move(r));
    });
    pending_.erase(it);
    return;
  }
  if (message.value("event", "") == "execExit") {
    uint64_t execId = message.contains("execId") && message["execId"].is_number_unsigned() ? message["execId"].get<uint64_t>() : 0;
    auto it = execRunning_.find(execId);
    if (it == execRunning_.end()) return;
    ExecExit exit{message.value("exitCode", 0), message.value("signal", 0)};
    asio::post(io_, [alive = alive_, done = std::move(it->second), exit] {
      if (*alive) done(exit);
    });
    execRunning_.erase(it);
    return;
  }
  if (message.value("event", "") != "exit") return;  // unknown events
  auto state = runtime::containerStateFromJson(message["state"]);
  if (!state.ok()) {
    log::warn("shim sent a malformed exit event: " + state.error().message());
    return;
  }
  // Deferred so handlers never run inside call() (they may call the shim themselves).
  asio::post(io_, [this, alive = alive_, st = std::move(*state)] {
    if (*alive && onExit_) onExit_(st);
  });
}

Result<nlohmann::json> ShimConnection::call(const std::string& op, nlohmann::json fields,
                                            std::vector<sys::UniqueFd>* fds) {
  if (closed_) return Error("shim connection closed");
  int64_t id = nextId_++;
  fields["id"] = id;
  fields["op"] = op;
  int fd = socket_.native_handle();
  PEAPOD_TRY(runtime::sendMessage(fd, fields));
  while (true) {
    pollfd p{fd, POLLIN, 0};
    // The shim answers at once; a 10 s bound keeps a wedged shim from hanging the node forever.
    int r = ::poll(&p, 1, 10'000);
    if (r == 0) return Error("shim did not answer \"" + op + "\" within 10s");
    if (r < 0 && errno != EINTR) return Error::sys("poll", "shim socket");
    if (r < 0) continue;
    std::vector<sys::UniqueFd> attached;
    auto msg = runtime::recvMessage(fd, &attached);
    if (!msg.ok()) {
      markClosed();
      return std::move(msg).error().wrap("shim " + op);
    }
    if (msg->contains("event") || msg->value("id", int64_t(-1)) != id) {
      dispatch(std::move(*msg));  // events and replies to async calls
      continue;
    }
    if (fds) *fds = std::move(attached);
    return toResult(std::move(*msg));
  }
}

}  // namespace peapod::node
