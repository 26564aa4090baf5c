#include "node/prober/probe_net.h"

#include <memory>

namespace peapod::node {
namespace {

using asio::ip::tcp;

// One probe connection: a socket, its deadline, and a callback that fires once.
struct Attempt : std::enable_shared_from_this<Attempt> {
  Attempt(asio::io_context& io, ProbeCallback cb) : socket(io), timer(io), done(std::move(cb)) {}
  tcp::socket socket;
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

void httpProbe(asio::io_context& io, const std::string& ip, int port, std::string request,
               std::chrono::milliseconds timeout, ProbeCallback done) {
  auto a = std::make_shared<Attempt>(io, std::move(done));
  a->out = std::move(request);
  tcp::endpoint ep;
  if (!a->begin(ip, port, timeout, ep)) return;
  a->socket.async_connect(ep, [a, ip, port](const boost::system::error_code& ec) {
    if (ec) return a->finish(ProbeResult::kFailure, "Get http://" + hostPort(ip, port) + ": " + ec.message());
    asio::async_write(a->socket, asio::buffer(a->out), [a](const boost::system::error_code& ec, size_t) {
      if (ec) return a->finish(ProbeResult::kFailure, "write: " + ec.message());
      // The status line is all we judge; 10 KiB bounds what a server can make us hold.
      asio::async_read_until(a->socket, asio::dynamic_buffer(a->in, 10 * 1024), "\r\n",
                             [a](const boost::system::error_code& ec, size_t) {
                               auto code = httpStatusCode(a->in);
                               if (!code) {
                                 return a->finish(ProbeResult::kFailure,
                                                  ec ? "read: " + ec.message() : "malformed HTTP response");
                               }
                               if (httpSuccess(*code)) return a->finish(ProbeResult::kSuccess, "");
                               a->finish(ProbeResult::kFailure, "HTTP probe failed with statuscode: " + std::to_string(*code));
                             });
    });
  });
}

}  // namespace peapod::node
