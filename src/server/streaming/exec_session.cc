// A stream exec as a RemoteCommandSession: the daemon holds the pipes (or the pty master) as asio
// descriptors; the shim only spawns the process and reports its exit.
#include <signal.h>

#include <array>
#include <optional>

#include "node/exec_stdio.h"
#include "sys/pty.h"
#include "server/streaming/async_lock.h"
#include "server/streaming/pod_streams.h"

namespace peapod::server::streaming {
namespace {

using nlohmann::json;
using Descriptor = asio::posix::stream_descriptor;
using ExecExit = node::ShimConnection::ExecExit;

json internalError(const std::string& message) {
  json s = failureStatus(500, "InternalError", "Internal error occurred: " + message);
  s["details"] = {{"causes", json::array({{{"message", message}}})}};
  return s;
}

class FailedSession : public RemoteCommandSession {
 public:
  explicit FailedSession(json status) : status_(std::move(status)) {}
  asio::awaitable<bool> writeStdin(std::string_view) override { co_return false; }
  void closeStdin() override {}
  void resize(uint16_t, uint16_t) override {}
  asio::awaitable<json> run(RemoteCommandOutput&) override { co_return status_; }
  void cancel() override {}

 private:
  json status_;
};

// What the shim's callbacks fill in; shared because they may run after the session is gone.
struct ExecShared {
  explicit ExecShared(const asio::any_io_executor& ex) : started(ex), exited(ex) {}
  AsyncEvent started, exited;
  std::optional<Result<json>> reply;
  std::optional<Result<ExecExit>> exit;
};

class ExecSession : public RemoteCommandSession {
 public:
  ExecSession(const asio::any_io_executor& ex, std::function<node::ShimConnection*()> lookup,
              node::ShimConnection* shim, uint64_t execId, node::ExecStdio ends, std::shared_ptr<ExecShared> shared)
      : ex_(ex), lookup_(std::move(lookup)), shim_(shim), execId_(execId), tty_(ends.tty), shared_(std::move(shared)) {
    if (ends.stdinWrite) stdin_.emplace(ex, ends.stdinWrite.release());
    if (ends.stdoutRead) stdout_.emplace(ex, ends.stdoutRead.release());
    if (ends.stderrRead) stderr_.emplace(ex, ends.stderrRead.release());
  }

  asio::awaitable<bool> writeStdin(std::string_view data) override { co_return co_await writeInput(stdin_, data); }

  void closeStdin() override {
    // A terminal has no end of input short of its line discipline's ^D; the kubelet leaves it open.
    if (tty_ || !stdin_) return;
    boost::system::error_code ec;
    stdin_->close(ec);
  }

  void resize(uint16_t width, uint16_t height) override {
    if (tty_ && stdout_ && stdout_->is_open()) (void)sys::resizePty(stdout_->native_handle(), width, height);
  }

  void cancel() override {
    if (cancelled_) return;
    cancelled_ = true;
    if (node::ShimConnection* shim = liveShim()) {
      shim->callAsync("execSignal", {{"execId", execId_}, {"signal", SIGKILL}}, [](Result<json>) {});
    }
  }

  asio::awaitable<json> run(RemoteCommandOutput& out) override {
    int live = 0;
    AsyncEvent pumpsDone(ex_);
    auto finished = [&live, &pumpsDone](std::exception_ptr) {
      if (--live == 0) pumpsDone.set();
    };
    if (stdout_) {
      ++live;
      asio::co_spawn(ex_, pump(*stdout_, 1, out), finished);
    }
    if (stderr_) {
      ++live;
      asio::co_spawn(ex_, pump(*stderr_, 2, out), finished);
    }
    if (live == 0) pumpsDone.set();
    // 1. The exit. If the pod (and its shim) went away, no exit event comes: the shim killed the
    //    process on shutdown, so once the output has ended that is the end too.
    while (!co_await shared_->exited.waitFor(std::chrono::seconds(1))) {
      if (liveShim() == nullptr && (pumpsDone.isSet() || cancelled_)) break;
    }
    // 2. The output written just before the exit is still in the pipes; a background child
    //    holding them open must not hold the session forever.
    if (!co_await pumpsDone.waitFor(std::chrono::seconds(2))) {
      boost::system::error_code ec;
      if (stdout_) stdout_->close(ec);
      if (stderr_) stderr_->close(ec);
      co_await pumpsDone.wait();
    }
    boost::system::error_code ec;
    if (stdin_) stdin_->close(ec);  // ends a writeStdin the process never read
    if (!shared_->exit) co_return internalError("error executing command in container: the pod's sandbox is gone");
    if (!shared_->exit->ok()) {
      co_return internalError("error executing command in container: " + shared_->exit->error().message());
    }
    int code = (*shared_->exit)->exitCode;
    co_return code == 0 ? successStatus() : exitCodeStatus(code);
  }

 private:
  node::ShimConnection* liveShim() {
    node::ShimConnection* now = lookup_ ? lookup_() : nullptr;
    return now == shim_ ? now : nullptr;  // a new sandbox's shim knows nothing of this exec
  }

  asio::awaitable<void> pump(Descriptor& d, int stream, RemoteCommandOutput& out) {
    std::array<char, 16384> buf;
    for (;;) {
      boost::system::error_code ec;
      size_t n = co_await d.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // EOF; EIO from a pty master once the last slave closed; or closed by run()
      if (!co_await out.write(stream, std::string_view(buf.data(), n))) {
        cancel();  // nobody is reading: stop the process
        co_return;
      }
    }
  }

  asio::any_io_executor ex_;
  std::function<node::ShimConnection*()> lookup_;
  node::ShimConnection* shim_;
  uint64_t execId_;
  bool tty_;
  bool cancelled_ = false;
  std::optional<Descriptor> stdin_, stdout_, stderr_;
  std::shared_ptr<ExecShared> shared_;
};

}  // namespace

std::unique_ptr<RemoteCommandSession> failedSession(json status) {
  return std::make_unique<FailedSession>(std::move(status));
}

asio::awaitable<std::unique_ptr<RemoteCommandSession>> startExecSession(
    std::function<node::ShimConnection*()> lookup, const RemoteCommandOptions& options) {
  auto ex = co_await asio::this_coro::executor;
  node::ShimConnection* shim = lookup();
  if (!shim) co_return failedSession(internalError("error executing command in container: container not found (\"" + options.container + "\")"));
  auto ends = node::makeExecStdio({options.stdin, options.stdout, options.stderr, options.tty});
  if (!ends.ok()) co_return failedSession(internalError(ends.error().wrap("exec stdio").message()));
  auto shared = std::make_shared<ExecShared>(ex);
  std::vector<int> fds;
  for (const auto& fd : ends->childFds) fds.push_back(fd.get());
  json fields{{"name", options.container}, {"command", options.command}, {"stdio", ends->roles}};
  shim->execStream(
      std::move(fields), fds,
      [shared](Result<json> r) {
        shared->reply = std::move(r);
        shared->started.set();
      },
      [shared](Result<ExecExit> e) {
        shared->exit = std::move(e);
        shared->exited.set();
      });
  ends->childFds.clear();  // sent: the shim and the process hold them now
  if (!co_await shared->started.waitFor(std::chrono::seconds(10))) {
    co_return failedSession(internalError("error executing command in container: the pod's shim did not answer"));
  }
  if (!shared->reply->ok()) {
    co_return failedSession(internalError("error executing command in container: " + shared->reply->error().message()));
  }
  uint64_t execId = (**shared->reply).value("execId", uint64_t(0));
  co_return std::make_unique<ExecSession>(ex, std::move(lookup), shim, execId, std::move(*ends), shared);
}

}  // namespace peapod::server::streaming
