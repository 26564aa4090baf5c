#include "server/streaming/websocket_transport.h"

#include <array>

#include "base/log.h"
#include "server/api_status.h"
#include "server/streaming/async_lock.h"
#include "wire/k8s_channel.h"
#include "wire/websocket.h"

namespace peapod::server::streaming {
namespace {

using wire::WsOpcode;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The server side of one upgraded connection: frames out (serialised), messages in.
class WsConnection : public RemoteCommandOutput {
 public:
  explicit WsConnection(ByteStream& stream) : stream_(stream), decoder_(/*expectMasked=*/true) {}

  asio::awaitable<bool> send(WsOpcode op, std::string_view payload) {
    if (failed_) co_return false;
    auto held = co_await LockGuard::take(lock_);
    std::string frame = wire::encodeWsFrame(op, payload, /*mask=*/false);
    if (!co_await stream_.write(asio::buffer(frame))) failed_ = true;
    co_return !failed_;
  }
  asio::awaitable<bool> write(int stream, std::string_view data) override {
    co_return co_await send(WsOpcode::kBinary, wire::channelMessage(static_cast<uint8_t>(stream), data));
  }
  // The next message, or nullopt once the connection ended (closed, failed or a protocol error).
  asio::awaitable<std::optional<wire::WsMessage>> next() {
    std::array<char, 16384> buf;
    for (;;) {
      auto m = decoder_.next();
      if (!m.ok()) {
        co_await send(WsOpcode::kClose, wire::wsClosePayload(static_cast<uint16_t>(m.error().code()), m.error().message()));
        co_return std::nullopt;
      }
      if (*m) co_return std::move(**m);
      size_t n = co_await stream_.read(asio::buffer(buf));
      if (n == 0) co_return std::nullopt;
      decoder_.feed(std::string_view(buf.data(), n));
    }
  }

 private:
  ByteStream& stream_;
  wire::WsDecoder decoder_;
  AsyncLock lock_;
  bool failed_ = false;
};

// Client -> session: stdin, resize, close, ping. Returns when the client is done or gone.
asio::awaitable<void> readLoop(WsConnection& ws, RemoteCommandSession& session, const RemoteCommandOptions& o,
                               bool v5, const bool& finished) {
  for (;;) {
    auto m = co_await ws.next();
    if (!m) break;
    if (m->opcode == WsOpcode::kPing) {
      co_await ws.send(WsOpcode::kPong, m->payload);
      continue;
    }
    if (m->opcode == WsOpcode::kClose) {
      // Our own close already went out once the session finished; otherwise answer theirs.
      if (!finished) co_await ws.send(WsOpcode::kClose, wire::wsClosePayload(wire::kWsCloseNormal));
      break;
    }
    if (m->opcode != WsOpcode::kBinary) continue;  // text (base64 protocols) is not spoken here
    auto cm = wire::parseChannelMessage(m->payload);
    if (!cm) continue;
    switch (cm->channel) {
      case wire::kChannelStdin:
        if (o.stdin && !cm->data.empty()) (void)co_await session.writeStdin(cm->data);
        break;
      case wire::kChannelResize:
        if (auto size = wire::parseTerminalSize(cm->data)) session.resize(size->width, size->height);
        break;
      case wire::kChannelClose:
        if (v5 && !cm->data.empty() && static_cast<uint8_t>(cm->data[0]) == wire::kChannelStdin) session.closeStdin();
        break;
      default:
        break;
    }
  }
  if (!finished) session.cancel();  // the client left before the end
}

asio::awaitable<void> serveSession(PodStreams& pods, RemoteCommandOptions o, bool v5, ByteStream& stream) {
  WsConnection ws(stream);
  auto session = co_await pods.open(o);
  auto ex = co_await asio::this_coro::executor;
  bool finished = false;
  AsyncEvent readerDone(ex);
  asio::co_spawn(ex, readLoop(ws, *session, o, v5, finished), [&readerDone](std::exception_ptr e) {
    if (e) log::warn("exec websocket reader failed");
    readerDone.set();
  });
  nlohmann::json status = co_await session->run(ws);
  finished = true;
  co_await ws.write(wire::kChannelError, status.dump());
  co_await ws.send(WsOpcode::kClose, wire::wsClosePayload(wire::kWsCloseNormal));
  // The client answers our close; give it a moment, then cut the connection (ends the reader).
  if (!co_await readerDone.waitFor(std::chrono::seconds(2))) {
    stream.close();
    co_await readerDone.wait();
  }
}

}  // namespace

bool isWebSocketUpgrade(const Request& req) {
  return lower(req.header("upgrade")) == "websocket";
}

Response websocketRemoteCommand(PodStreams& pods, const Request& req, RemoteCommandOptions options) {
  std::string key = req.header("sec-websocket-key");
  if (key.empty() || req.header("sec-websocket-version") != "13") {
    return badRequest("invalid WebSocket handshake: Sec-WebSocket-Key and Sec-WebSocket-Version: 13 are required");
  }
  auto protocol = wire::chooseChannelProtocol(req.header("sec-websocket-protocol"));
  if (!protocol) {
    return badRequest("unable to upgrade: no supported subprotocol offered (want " + std::string(wire::kChannelV5) +
                      " or " + std::string(wire::kChannelV4) + ")");
  }
  bool v5 = *protocol == wire::kChannelV5;
  Response r;
  r.status = 101;
  r.headers["Upgrade"] = "websocket";
  r.headers["Connection"] = "Upgrade";
  r.headers["Sec-WebSocket-Accept"] = wire::websocketAccept(key);
  r.headers["Sec-WebSocket-Protocol"] = *protocol;
  r.upgrade = [&pods, options = std::move(options), v5](ByteStream& stream) {
    return serveSession(pods, options, v5, stream);
  };
  return r;
}

}  // namespace peapod::server::streaming
