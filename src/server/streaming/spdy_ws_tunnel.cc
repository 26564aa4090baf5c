// SPDY/3.1 tunnelled in WebSocket binary messages (kubectl >= 1.31 port-forward, subprotocol
// SPDY/3.1+portforward.k8s.io): after the WebSocket handshake the payloads of the binary messages,
// concatenated, are the SPDY connection; no inner HTTP upgrade is exchanged.
#include <cstring>

#include "base/log.h"
#include "server/streaming/async_lock.h"
#include "server/streaming/spdy_transport.h"
#include "server/streaming/spdy_transport_internal.h"
#include "wire/websocket.h"

namespace peapod::server::streaming {
namespace {

constexpr const char* kTunnelProtocol = "SPDY/3.1+portforward.k8s.io";

// The byte stream inside the WebSocket: reads unwrap binary messages (answering pings and close),
// writes send one binary message each.
class WsTunnelStream : public ByteStream {
 public:
  explicit WsTunnelStream(ByteStream& ws) : ws_(ws) {}

  asio::awaitable<size_t> read(asio::mutable_buffer into) override {
    while (offset_ >= pending_.size()) {
      if (eof_) co_return 0;
      auto m = decoder_.next();
      if (!m.ok()) {
        log::warn("spdy tunnel: " + m.error().message());
        co_await send(wire::WsOpcode::kClose, wire::wsClosePayload(wire::kWsCloseProtocolError));
        eof_ = true;
        co_return 0;
      }
      if (m->has_value()) {
        auto& msg = **m;
        if (msg.opcode == wire::WsOpcode::kBinary || msg.opcode == wire::WsOpcode::kText) {
          pending_ = std::move(msg.payload);
          offset_ = 0;
        } else if (msg.opcode == wire::WsOpcode::kPing) {
          co_await send(wire::WsOpcode::kPong, msg.payload);
        } else if (msg.opcode == wire::WsOpcode::kClose) {
          co_await send(wire::WsOpcode::kClose, wire::wsClosePayload(wire::kWsCloseNormal));
          eof_ = true;
        }
        continue;
      }
      size_t n = co_await ws_.read(asio::buffer(buf_));
      if (n == 0) {
        eof_ = true;
        co_return 0;
      }
      decoder_.feed(std::string_view(buf_, n));
    }
    size_t n = std::min(into.size(), pending_.size() - offset_);
    std::memcpy(into.data(), pending_.data() + offset_, n);
    offset_ += n;
    co_return n;
  }

  asio::awaitable<bool> write(asio::const_buffer data) override {
    co_return co_await send(wire::WsOpcode::kBinary,
                            std::string_view(static_cast<const char*>(data.data()), data.size()));
  }

  void close() override { ws_.close(); }

 private:
  // Pongs from the reader and the session's writes share the connection: one at a time.
  asio::awaitable<bool> send(wire::WsOpcode op, std::string_view payload) {
    auto held = co_await LockGuard::take(lock_);
    std::string frame = wire::encodeWsFrame(op, payload, /*mask=*/false);
    co_return co_await ws_.write(asio::buffer(frame));
  }

  ByteStream& ws_;
  wire::WsDecoder decoder_{/*expectMasked=*/true};
  AsyncLock lock_;
  char buf_[16 * 1024];
  std::string pending_;
  size_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace

Response spdyPortForwardOverWebSocket(const Request& req, PodStreams& pods, const std::string& ns,
                                      const std::string& pod) {
  std::string key = req.header("sec-websocket-key");
  if (key.empty() || req.header("sec-websocket-version") != "13" || !wantsTunnelledSpdy(req)) {
    Response r;
    r.status = 400;
    r.contentType = "text/plain";
    r.body = "a WebSocket upgrade with subprotocol " + std::string(kTunnelProtocol) + " is required";
    return r;
  }
  Response r;
  r.status = 101;
  r.contentType.clear();
  r.headers["Upgrade"] = "websocket";
  r.headers["Connection"] = "Upgrade";
  r.headers["Sec-WebSocket-Accept"] = wire::websocketAccept(key);
  r.headers["Sec-WebSocket-Protocol"] = kTunnelProtocol;
  UpgradeBody spdy = spdyPortForwardBody(pods, ns, pod);
  log::info("port-forward " + ns + "/" + pod + ": SPDY/3.1 tunnelled in WebSocket");
  r.upgrade = [spdy = std::move(spdy)](ByteStream& ws) -> asio::awaitable<void> {
    WsTunnelStream tunnel(ws);
    co_await spdy(tunnel);
  };
  return r;
}

}  // namespace peapod::server::streaming
