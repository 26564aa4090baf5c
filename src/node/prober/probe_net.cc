#include "node/prober/probe_net.h"

#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ssl.hpp>

#include "node/prober/grpc_health.h"

namespace peapod::node {
namespace {

using asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket&>;

// One probe connection: a socket, its deadline, and a callback that fires once.
struct Attempt : std::enable_shared_from_this<Attempt> {
  Attempt(asio::io_context& io, ProbeCallback cb) : socket(io), timer(io), done(std::move(cb)) {}
  tcp::socket socket;
  std::optional<TlsStream> tls;  // https: TLS over `socket`
  asio::steady_timer timer;
  ProbeCallback done;
  std::string out, in;
  bool finished = false;

  void finish(ProbeResult r, std::string message) {
    if (finished) return;
    finished = true;
    timer.cancel();
    boost::system::error_code ec;
    socket.close(ec);
    auto cb = std::move(done);
    cb(ProbeOutcome{r, std::move(message)});
  }
  // Resolves the endpoint and arms the deadline; false when it already finished.
  bool begin(const std::string& ip, int port, std::chrono::milliseconds timeout, tcp::endpoint& ep) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(ip, ec);
    if (ec) {
      // Names would need a resolver thread; probes target the pod IP or an explicit address.
      finish(ProbeResult::kFailure, "host \"" + ip + "\" is not an IP address (names are not resolved)");
      return false;
    }
    ep = tcp::endpoint(addr, static_cast<uint16_t>(port));
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this(), timeout](const boost::system::error_code& e) {
      if (!e) self->finish(ProbeResult::kFailure, "timeout after " + std::to_string(timeout.count()) + "ms");
    });
    return true;
  }
};

std::string hostPort(const std::string& ip, int port) { return ip + ":" + std::to_string(port); }

// The kubelet probes HTTPS without verifying the certificate (pods rarely have one we could trust).
asio::ssl::context& insecureTlsContext() {
  static asio::ssl::context ctx = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_verify_mode(asio::ssl::verify_none);
    return c;
  }();
  return ctx;
}

// Sends the request and judges the status line: 200..399 succeed.
template <class Stream>
void exchangeHttp(std::shared_ptr<Attempt> a, Stream& stream) {
  asio::async_write(stream, asio::buffer(a->out), [a, &stream](const boost::system::error_code& ec, size_t) {
    if (ec) return a->finish(ProbeResult::kFailure, "write: " + ec.message());
    // The status line is all we judge; 10 KiB bounds what a server can make us hold.
    asio::async_read_until(stream, asio::dynamic_buffer(a->in, 10 * 1024), "\r\n",
                           [a](const boost::system::error_code& ec, size_t) {
                             auto code = httpStatusCode(a->in);
                             if (!code) {
                               return a->finish(ProbeResult::kFailure, ec ? "read: " + ec.message() : "malformed HTTP response");
                             }
                             if (httpSuccess(*code)) return a->finish(ProbeResult::kSuccess, "");
                             a->finish(ProbeResult::kFailure, "HTTP probe failed with statuscode: " + std::to_string(*code));
                           });
  });
}

// Reads HTTP/2 frames until the health answer (a DATA message) or the end of the stream.
struct GrpcExchange {
  std::shared_ptr<Attempt> a;
  std::shared_ptr<Http2FrameReader> reader = std::make_shared<Http2FrameReader>();
  std::shared_ptr<std::vector<char>> buf = std::make_shared<std::vector<char>>(16 * 1024);

  void read() {
    a->socket.async_read_some(asio::buffer(*buf), [self = *this](const boost::system::error_code& ec, size_t n) mutable {
      if (ec) return self.a->finish(ProbeResult::kFailure, "rpc error: connection closed before a response: " + ec.message());
      std::vector<Http2Frame> frames;
      if (!self.reader->feed(std::string_view(self.buf->data(), n), frames)) {
        return self.a->finish(ProbeResult::kFailure, "rpc error: frame too large");
      }
      for (auto& f : frames) {
        if (self.handle(f)) return;
      }
      self.read();
    });
  }
  // True when the probe is decided.
  bool handle(const Http2Frame& f) {
    if (f.type == kH2Settings && !(f.flags & kH2FlagAck)) reply(http2SettingsAck());
    if (f.type == kH2Ping && !(f.flags & kH2FlagAck)) reply(http2PingAck(f.payload));
    if (f.type == kH2Goaway) return fail("rpc error: connection closed by the server (GOAWAY)");
    if (f.stream != 1) return false;
    if (f.type == kH2RstStream) return fail("rpc error: stream reset by the server");
    if (f.type == kH2Data) {
      auto status = healthStatusFromData(f.payload);
      if (!status) return fail("rpc error: malformed HealthCheckResponse");
      if (*status == 1) {
        a->finish(ProbeResult::kSuccess, "");
        return true;
      }
      return fail(std::string("service unhealthy (responded with \"") + servingStatusName(*status) + "\")");
    }
    // A HEADERS frame that ends the stream without a message: a gRPC error in the trailers
    // (unknown service, unimplemented).
    if (f.type == kH2Headers && (f.flags & kH2FlagEndStream)) return fail("rpc error: the server answered without a health status");
    return false;
  }
  bool fail(std::string message) {
    a->finish(ProbeResult::kFailure, std::move(message));
    return true;
  }
  void reply(std::string bytes) {
    auto out = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(a->socket, asio::buffer(*out), [out](const boost::system::error_code&, size_t) {});
  }
};

}  // namespace

void tcpProbe(asio::io_context& io, const std::string& ip, int port, std::chrono::milliseconds timeout,
              ProbeCallback done) {
  auto a = std::make_shared<Attempt>(io, std::move(done));
  tcp::endpoint ep;
  if (!a->begin(ip, port, timeout, ep)) return;
  a->socket.async_connect(ep, [a, ip, port](const boost::system::error_code& ec) {
    if (ec) return a->finish(ProbeResult::kFailure, "dial tcp " + hostPort(ip, port) + ": " + ec.message());
    a->finish(ProbeResult::kSuccess, "");
  });
}

void httpProbe(asio::io_context& io, const std::string& ip, int port, bool https, std::string request,
               std::chrono::milliseconds timeout, ProbeCallback done) {
  auto a = std::make_shared<Attempt>(io, std::move(done));
  a->out = std::move(request);
  tcp::endpoint ep;
  if (!a->begin(ip, port, timeout, ep)) return;
  std::string url = (https ? "https://" : "http://") + hostPort(ip, port);
  a->socket.async_connect(ep, [a, https, url](const boost::system::error_code& ec) {
    if (ec) return a->finish(ProbeResult::kFailure, "Get " + url + ": " + ec.message());
    if (!https) return exchangeHttp(a, a->socket);
    a->tls.emplace(a->socket, insecureTlsContext());
    a->tls->async_handshake(asio::ssl::stream_base::client, [a, url](const boost::system::error_code& ec) {
      if (ec) return a->finish(ProbeResult::kFailure, "Get " + url + ": TLS handshake: " + ec.message());
      exchangeHttp(a, *a->tls);
    });
  });
}

void grpcProbe(asio::io_context& io, const std::string& ip, int port, const std::string& service,
               std::chrono::milliseconds timeout, ProbeCallback done) {
  auto a = std::make_shared<Attempt>(io, std::move(done));
  a->out = grpcHealthRequest(hostPort(ip, port), service);
  tcp::endpoint ep;
  if (!a->begin(ip, port, timeout, ep)) return;
  a->socket.async_connect(ep, [a, ip, port](const boost::system::error_code& ec) {
    if (ec) return a->finish(ProbeResult::kFailure, "rpc error: dial tcp " + hostPort(ip, port) + ": " + ec.message());
    asio::async_write(a->socket, asio::buffer(a->out), [a](const boost::system::error_code& ec, size_t) {
      if (ec) return a->finish(ProbeResult::kFailure, "rpc error: write: " + ec.message());
      GrpcExchange{a}.read();
    });
  });
}

}  // namespace peapod::node
