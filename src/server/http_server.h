// HttpServer: HTTP/1.1 keep-alive on TCP (TLS or plain) and unix-socket listeners (Boost.Beast, one
// coroutine per connection on the daemon's single io_context thread), bearer-token checks, and
// chunked streaming for watches and followed logs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl.hpp>

#include "base/result.h"
#include "server/beast.h"
#include "server/http_types.h"

namespace peapod::server {

// A handler answers a request (a coroutine, so it may wait on the node without blocking others).
using Handler = std::function<asio::awaitable<Response>(Request)>;

// How one listener authenticates its clients.
struct ListenerSecurity {
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
  std::string token;                        // non-empty: "Authorization: Bearer <token>" required
};

class HttpServer {
 public:
  HttpServer(asio::io_context& io, Handler handler) : io_(io), handler_(std::move(handler)) {}

  // Starts accepting on "unix:///path" (mode 0600, a stale socket file is replaced) or
  // "tcp://HOST:PORT" (port 0 picks a free one; see boundAddresses()).
  Status listen(const std::string& address, ListenerSecurity security = {});
  // "unix:///path", "https://127.0.0.1:6443" or "http://127.0.0.1:6443" per listener.
  const std::vector<std::string>& boundAddresses() const { return bound_; }

 private:
  template <class Acceptor>
  asio::awaitable<void> acceptLoop(std::shared_ptr<Acceptor> acceptor, ListenerSecurity security);
  template <class Stream>
  asio::awaitable<void> serve(Stream stream, ListenerSecurity security);
  asio::awaitable<void> serveTls(asio::ip::tcp::socket socket, ListenerSecurity security);

  asio::io_context& io_;
  Handler handler_;
  std::vector<std::string> bound_;
};

}  // namespace peapod::server
