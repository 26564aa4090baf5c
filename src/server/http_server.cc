#include "server/http_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

namespace peapod::server {
namespace {

// Asio does not open sockets close-on-exec; nothing the daemon spawns may inherit them.
void closeOnExec(int fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); }

Request toRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string target(req.target());
  size_t q = target.find('?');
  r.path = percentDecode(target.substr(0, q));
  if (q != std::string::npos) r.query = parseQuery(target.substr(q + 1));
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = req.body();
  return r;
}

}  // namespace

Status HttpServer::listen(const std::string& address) {
  try {
    if (address.rfind("unix://", 0) == 0) {
      std::string path = address.substr(7);
      ::unlink(path.c_str());
      using Proto = asio::local::stream_protocol;
      auto acceptor = std::make_shared<Proto::acceptor>(io_, Proto::endpoint(path));
      closeOnExec(acceptor->native_handle());
      ::chmod(path.c_str(), 0600);  // root-only: the socket grants full control of the node
      asio::co_spawn(io_, acceptLoop(acceptor), asio::detached);
      bound_.push_back(address);
      return {};
    }
    if (address.rfind("tcp://", 0) == 0) {
      std::string hostport = address.substr(6);
      size_t colon = hostport.rfind(':');
      if (colon == std::string::npos) return Error("listen " + address + ": missing port");
      auto ip = asio::ip::make_address(hostport.substr(0, colon));
      auto port = static_cast<unsigned short>(std::stoi(hostport.substr(colon + 1)));
      using Tcp = asio::ip::tcp;
      auto acceptor = std::make_shared<Tcp::acceptor>(io_, Tcp::endpoint(ip, port));
      closeOnExec(acceptor->native_handle());
      asio::co_spawn(io_, acceptLoop(acceptor), asio::detached);
      bound_.push_back("tcp://" + hostport.substr(0, colon) + ":" +
                       std::to_string(acceptor->local_endpoint().port()));
      return {};
    }
  } catch (const std::exception& e) {
    return Error("listen " + address + ": " + e.what());
  }
  return Error("listen " + address + ": address must start with unix:// or tcp://");
}

template <class Acceptor>
asio::awaitable<void> HttpServer::acceptLoop(std::shared_ptr<Acceptor> acceptor) {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log::warn("accept: " + ec.message());
      continue;
    }
    closeOnExec(socket.native_handle());
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

template <class Stream>
asio::awaitable<void> HttpServer::serve(Stream stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // closed, or a malformed request: drop the connection
    auto& req = parser.get();
    bool keepAlive = req.keep_alive();
    unsigned version = req.version();
    Request request = toRequest(req);

    Response resp;
    try {
      resp = co_await handler_(std::move(request));
    } catch (const std::exception& e) {
      resp.status = 500;
      resp.body = std::string("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"") +
                  "internal error\",\"reason\":\"InternalError\",\"code\":500}";
      log::error(std::string("handler: ") + e.what());
    }
    http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
    res.set(http::field::content_type, resp.contentType);
    for (auto& [k, v] : resp.headers) res.set(k, v);
    res.keep_alive(keepAlive);
    res.body() = std::move(resp.body);
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keepAlive) co_return;
  }
}

}  // namespace peapod::server
