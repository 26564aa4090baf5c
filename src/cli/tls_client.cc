// TLS dialing and the socketpair relay for upgraded connections (see tls_client.h).
#include "cli/tls_client.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <thread>
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace peapod::cli {
namespace asio = boost::asio;

Result<std::pair<std::string, std::string>> splitHostPort(const std::string& server, const std::string& defaultPort) {
  std::string rest = server;
  if (auto at = rest.find("://"); at != std::string::npos) rest = rest.substr(at + 3);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (rest.empty()) return Error("server address \"" + server + "\" has no host");
  std::string host, port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return Error("server address \"" + server + "\": unclosed [");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    host = rest;
  }
  if (port.empty()) port = defaultPort;
  if (port.empty()) return Error("server address \"" + server + "\" has no port");
  return std::make_pair(host, port);
}

Result<TlsConnection> dialTls(const Endpoint& ep) {
  PEAPOD_ASSIGN_OR_RETURN(auto hp, splitHostPort(ep.server, "443"));
  const auto& [host, port] = hp;
  TlsConnection c;
  c.hostport = host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
  try {
    c.io = std::make_unique<asio::io_context>();
    c.ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    if (ep.insecure) {
      c.ctx->set_verify_mode(asio::ssl::verify_none);
    } else {
      c.ctx->set_verify_mode(asio::ssl::verify_peer);
      if (ep.caPem.empty()) {
        c.ctx->set_default_verify_paths();
      } else {
        c.ctx->add_certificate_authority(asio::buffer(ep.caPem));
      }
    }
    c.stream = std::make_unique<TlsStream>(*c.io, *c.ctx);
    SSL* ssl = c.stream->native_handle();
    in6_addr a6;
    in_addr a4;
    bool ip = ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    if (!ep.insecure) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1
             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1) {
        return Error("cannot verify the server name " + host);
      }
    }
    if (!ip) SSL_set_tlsext_host_name(ssl, host.c_str());
    asio::ip::tcp::resolver resolver(*c.io);
    asio::connect(c.stream->next_layer(), resolver.resolve(host, port));
    c.stream->handshake(asio::ssl::stream_base::client);
  } catch (const std::exception& e) {
    return Error("cannot reach the peapod API at " + ep.server + ": " + e.what());
  }
  return c;
}

namespace {

using Local = asio::local::stream_protocol::socket;

asio::awaitable<void> pump(auto& from, auto& to, bool* done, std::function<void()> onEnd) {
  char buf[16384];
  for (;;) {
    boost::system::error_code ec;
    size_t n = co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) break;
    co_await asio::async_write(to, asio::buffer(buf, n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  *done = true;
  onEnd();
}

}  // namespace

Result<sys::UniqueFd> relayTls(TlsConnection conn) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Error::sys("socketpair");
  sys::UniqueFd mine(sv[0]);
  auto shared = std::make_shared<TlsConnection>(std::move(conn));
  auto local = std::make_shared<Local>(*shared->io);
  try {
    local->assign(asio::local::stream_protocol(), sv[1]);
  } catch (const std::exception& e) {
    ::close(sv[1]);
    return Error(std::string("relay: ") + e.what());
  }
  std::thread([shared, local] {
    bool upDone = false, downDone = false;
    auto& tls = *shared->stream;
    // Either direction ending ends both: the server hung up, or the caller closed its end.
    auto closeAll = [&] {
      boost::system::error_code ec;
      local->close(ec);
      tls.next_layer().close(ec);
    };
    asio::co_spawn(*shared->io, pump(tls, *local, &downDone, closeAll), asio::detached);
    asio::co_spawn(*shared->io, pump(*local, tls, &upDone, closeAll), asio::detached);
    shared->io->run();
  }).detach();
  return mine;
}

}  // namespace peapod::cli
