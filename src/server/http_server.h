// HttpServer: HTTP/1.1 keep-alive on TCP and unix-socket listeners (Boost.Beast, one coroutine per
// connection on the daemon's single io_context thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "server/beast.h"
#include "server/http_types.h"

namespace peapod::server {

// A handler answers a request (a coroutine, so it may wait on the node without blocking others).
using Handler = std::function<asio::awaitable<Response>(Request)>;

class HttpServer {
 public:
  HttpServer(asio::io_context& io, Handler handler) : io_(io), handler_(std::move(handler)) {}

  // Starts accepting on "unix:///path" (mode 0600, a stale socket file is replaced) or
  // "tcp://HOST:PORT" (port 0 picks a free one; see boundAddresses()).
  Status listen(const std::string& address);
  const std::vector<std::string>& boundAddresses() const { return bound_; }

 private:
  template <class Acceptor>
  asio::awaitable<void> acceptLoop(std::shared_ptr<Acceptor> acceptor);
  template <class Stream>
  asio::awaitable<void> serve(Stream stream);

  asio::io_context& io_;
  Handler handler_;
  std::vector<std::string> bound_;
};

}  // namespace peapod::server
