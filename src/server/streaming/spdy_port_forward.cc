// port-forward over SPDY/3.1 (the kubelet's portforward server, protocol portforward.k8s.io): the
// client opens an error and a data stream per local connection, paired by `requestid`; the data
// stream is spliced to a TCP connection into the pod, failures are written to the error stream.
#include <list>
#include <map>

#include "base/log.h"
#include "server/streaming/spdy_session.h"
#include "server/streaming/spdy_transport_internal.h"

namespace peapod::server::streaming {
namespace {

using Socket = asio::ip::tcp::socket;

struct Pair {
  std::shared_ptr<SpdyStream> data, error;
};

struct Forwarder {
  PodStreams& pods;
  std::string ns, pod;
  asio::any_io_executor ex;
  std::shared_ptr<SpdySession> session;
  std::list<std::shared_ptr<Socket>> live;  // closed when the connection ends
  SpdyTaskGroup tasks;
};

// Old clients send no requestid; the kubelet then pairs by stream id (error first, data next).
std::string requestIdOf(const SpdyStream& s) {
  std::string id = s.header("requestid");
  if (!id.empty()) return id;
  uint32_t sid = s.header("streamtype") == "data" && s.id() >= 2 ? s.id() - 2 : s.id();
  return "stream-" + std::to_string(sid);
}

std::optional<uint16_t> parsePort(const std::string& s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int v = std::stoi(s);
  if (v < 1 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

asio::awaitable<void> clientToPod(std::shared_ptr<SpdyStream> data, std::shared_ptr<Socket> sock) {
  while (auto chunk = co_await data->read()) {
    if (chunk->empty()) continue;
    boost::system::error_code ec;
    co_await asio::async_write(*sock, asio::buffer(*chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  // The client is done sending (its local connection half-closed or went away): pass that on.
  boost::system::error_code ec;
  sock->shutdown(Socket::shutdown_send, ec);
}

asio::awaitable<void> fail(Pair p, const std::string& message) {
  co_await p.error->write(message);
  co_await p.error->finish();
  co_await p.data->finish();
  p.data->stopReading();
}

// One forwarded connection: dial, then copy both ways until the pod closes its side.
asio::awaitable<void> forward(Forwarder& f, Pair p) {
  auto port = parsePort(p.data->header("port"));
  if (!port) {
    co_await fail(p, "invalid port: \"" + p.data->header("port") + "\"");
    co_return;
  }
  auto dialed = co_await f.pods.dial(f.ns, f.pod, *port);
  if (!dialed.ok()) {
    co_await fail(p, "error forwarding port " + std::to_string(*port) + " to pod " + f.ns + "/" + f.pod + ": " +
                         dialed.error().message());
    co_return;
  }
  if (f.session->closed()) co_return;  // the client left while we dialed: the socket just closes
  auto sock = std::make_shared<Socket>(std::move(*dialed));
  auto self = f.live.insert(f.live.end(), sock);
  f.tasks.spawn(f.ex, clientToPod(p.data, sock));
  std::string buf(32 * 1024, '\0');
  while (true) {
    boost::system::error_code ec;
    size_t n = co_await sock->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) break;
    if (!co_await p.data->write(std::string_view(buf.data(), n))) break;
  }
  // The kubelet closes both streams when the pod's side ends; kubectl then closes its connection.
  co_await p.data->finish();
  co_await p.error->finish();
  p.data->stopReading();
  boost::system::error_code ec;
  sock->close(ec);
  f.live.erase(self);
}

asio::awaitable<void> serve(ByteStream& io, PodStreams& pods, std::string ns, std::string pod) {
  auto ex = co_await asio::this_coro::executor;
  auto session = SpdySession::create(io);
  session->start(ex);
  Forwarder f{pods, ns, pod, ex, session, {}, {}};
  std::map<std::string, Pair> pairs;
  // Streams arrive until the client closes the connection (kubectl stops port-forward).
  while (auto s = co_await session->accept()) {
    std::string type = s->header("streamtype");
    if (type != "data" && type != "error") {
      s->reset(wire::kSpdyProtocolError);
      continue;
    }
    Pair& p = pairs[requestIdOf(*s)];
    auto& slot = type == "data" ? p.data : p.error;
    if (slot) {
      s->reset(wire::kSpdyProtocolError);
      continue;
    }
    slot = std::move(s);
    if (p.data && p.error) {
      Pair ready = std::move(p);
      pairs.erase(requestIdOf(*ready.data));
      f.tasks.spawn(ex, forward(f, std::move(ready)));
    }
  }
  for (auto& sock : f.live) {
    boost::system::error_code ec;
    sock->close(ec);
  }
  co_await f.tasks.join();
  co_await session->shutdown();
}

}  // namespace

UpgradeBody spdyPortForwardBody(PodStreams& pods, std::string ns, std::string pod) {
  return [&pods, ns = std::move(ns), pod = std::move(pod)](ByteStream& io) -> asio::awaitable<void> {
    co_await serve(io, pods, ns, pod);
  };
}

}  // namespace peapod::server::streaming
