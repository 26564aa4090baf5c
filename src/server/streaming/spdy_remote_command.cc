// exec and attach over SPDY/3.1 (the kubelet's remotecommand server, channel protocols v1 to v4):
// wait for the streams the client announced, run the session, then FIN stdout/stderr, write the
// Status on the error stream, FIN it and go away.
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "server/streaming/spdy_session.h"
#include "server/streaming/spdy_transport_internal.h"

namespace peapod::server::streaming {
namespace {

using Clock = std::chrono::steady_clock;
// The kubelet's default streaming-connection creation timeout.
constexpr auto kStreamCreationTimeout = std::chrono::seconds(30);

struct Streams {
  std::shared_ptr<SpdyStream> error, stdin, stdout, stderr, resize;
};

// Which streams the client will open, as the kubelet computes them (resize only from v3, and only
// with a tty; no stderr with a tty).
bool complete(const Streams& s, const RemoteCommandOptions& o, int version) {
  if (!s.error) return false;
  if (o.stdin && !s.stdin) return false;
  if (o.stdout && !s.stdout) return false;
  if (o.stderr && !o.tty && !s.stderr) return false;
  if (o.tty && version >= 3 && !s.resize) return false;
  return true;
}

class SpdyOutput : public RemoteCommandOutput {
 public:
  SpdyOutput(std::shared_ptr<SpdyStream> out, std::shared_ptr<SpdyStream> err)
      : out_(std::move(out)), err_(std::move(err)) {}
  asio::awaitable<bool> write(int stream, std::string_view data) override {
    auto& s = stream == 2 ? err_ : out_;
    if (!s) co_return true;  // a stream the client did not ask for
    co_return co_await s->write(data);
  }

 private:
  std::shared_ptr<SpdyStream> out_, err_;
};

asio::awaitable<void> pumpStdin(std::shared_ptr<SpdyStream> in, RemoteCommandSession& cmd) {
  while (auto chunk = co_await in->read()) {
    if (chunk->empty()) continue;
    if (!co_await cmd.writeStdin(*chunk)) break;
  }
  cmd.closeStdin();
}

asio::awaitable<void> pumpResize(std::shared_ptr<SpdyStream> in, RemoteCommandSession& cmd) {
  std::string buf;
  while (auto chunk = co_await in->read()) {
    buf += *chunk;
    // Go's json.Encoder ends each object with a newline; take whole lines, or a whole object.
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos || (!buf.empty() && nlohmann::json::accept(buf))) {
      std::string line = nl == std::string::npos ? buf : buf.substr(0, nl);
      buf.erase(0, nl == std::string::npos ? buf.size() : nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("Width") && j.contains("Height") && j["Width"].is_number_unsigned() &&
          j["Height"].is_number_unsigned()) {
        cmd.resize(j["Width"].get<uint16_t>(), j["Height"].get<uint16_t>());
      }
    }
    if (buf.size() > 4096) buf.clear();  // not a size message; do not grow without bound
  }
}

// Cancels the command when the connection ends before the command does.
asio::awaitable<void> watchConnection(std::shared_ptr<SpdySession> session, RemoteCommandSession& cmd,
                                      const bool& finished) {
  co_await session->waitClosed();
  if (!finished) cmd.cancel();
}

// The Status for the error stream: JSON from v4 on; before that only a failure's message.
std::string statusBytes(const nlohmann::json& status, int version) {
  if (version >= 4) return status.dump();
  if (status.value("status", "") == "Success") return "";
  return status.value("message", "error executing command");
}

asio::awaitable<void> serve(ByteStream& io, PodStreams& pods, RemoteCommandOptions options, int version) {
  auto ex = co_await asio::this_coro::executor;
  auto session = SpdySession::create(io);
  session->start(ex);

  // 1. The client opens its streams one by one, each after our SYN_REPLY to the previous.
  Streams s;
  auto deadline = Clock::now() + kStreamCreationTimeout;
  while (!complete(s, options, version)) {
    auto stream = co_await session->accept(deadline);
    if (!stream) break;
    std::string type = stream->header("streamtype");
    std::shared_ptr<SpdyStream>* slot = type == "error"    ? &s.error
                                        : type == "stdin"  ? &s.stdin
                                        : type == "stdout" ? &s.stdout
                                        : type == "stderr" ? &s.stderr
                                        : type == "resize" ? &s.resize
                                                           : nullptr;
    if (!slot || *slot) {
      stream->reset(wire::kSpdyProtocolError);
      continue;
    }
    *slot = std::move(stream);
  }
  if (!complete(s, options, version)) {
    log::warn("spdy " + std::string(options.attach ? "attach" : "exec") + " " + options.ns + "/" + options.pod +
              ": the client did not open its streams");
    if (s.error && !session->closed()) {
      std::string msg = "timed out waiting for client to create streams";
      co_await s.error->write(statusBytes(failureStatus(500, "InternalError", msg), version));
      co_await s.error->finish();
    }
    co_await session->shutdown();
    co_return;
  }

  // 2. Run the command while the pumps feed it.
  auto cmd = co_await pods.open(options);
  bool finished = false;
  SpdyTaskGroup pumps;
  if (s.stdin) pumps.spawn(ex, pumpStdin(s.stdin, *cmd));
  if (s.resize) pumps.spawn(ex, pumpResize(s.resize, *cmd));
  pumps.spawn(ex, watchConnection(session, *cmd, finished));
  SpdyOutput out(s.stdout, s.stderr);
  nlohmann::json status = co_await cmd->run(out);
  finished = true;

  // 3. Output EOF first: kubectl reads stdout/stderr to their end, then the error stream.
  if (s.stdout) co_await s.stdout->finish();
  if (s.stderr) co_await s.stderr->finish();
  if (std::string bytes = statusBytes(status, version); !bytes.empty()) co_await s.error->write(bytes);
  co_await s.error->finish();
  cmd->closeStdin();  // a stdin writer still waiting on the ended process gives up
  co_await session->shutdown();
  co_await pumps.join();
}

}  // namespace

UpgradeBody spdyRemoteCommandBody(PodStreams& pods, RemoteCommandOptions options, int version) {
  return [&pods, options = std::move(options), version](ByteStream& io) -> asio::awaitable<void> {
    co_await serve(io, pods, options, version);
  };
}

}  // namespace peapod::server::streaming
