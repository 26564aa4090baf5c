#include "server/http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "api/status_error.h"
#include "base/log.h"

namespace peapod::server {
namespace {

using Tcp = asio::ip::tcp;
using Unix = asio::local::stream_protocol;
using TlsStream = asio::ssl::stream<Tcp::socket>;

// Asio does not open sockets close-on-exec; nothing the daemon spawns may inherit them.
void closeOnExec(int fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); }

int nativeFd(Tcp::socket& s) { return s.native_handle(); }
int nativeFd(Unix::socket& s) { return s.native_handle(); }
int nativeFd(TlsStream& s) { return s.next_layer().native_handle(); }

Request toRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string target(req.target());
  size_t q = target.find('?');
  r.path = percentDecode(target.substr(0, q));
  if (q != std::string::npos) {
    r.rawQuery = target.substr(q + 1);
    r.query = parseQuery(r.rawQuery);
  }
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Repeated fields join with ", " (RFC 9110 5.3): kubectl's SPDY upgrade sends four
    // X-Stream-Protocol-Version lines, and the last alone would hide its preferred v4.
    auto [it, fresh] = r.headers.emplace(name, std::string(f.value()));
    if (!fresh) it->second += ", " + std::string(f.value());
  }
  r.body = req.body();
  return r;
}

bool tokenMatches(const std::string& header, const std::string& token) {
  const std::string prefix = "Bearer ";
  if (header.size() != prefix.size() + token.size() || header.compare(0, prefix.size(), prefix) != 0) return false;
  return CRYPTO_memcmp(header.data() + prefix.size(), token.data(), token.size()) == 0;
}

Response unauthorized() {
  Response r;
  r.status = 401;
  r.body = api::statusFailure(401, "Unauthorized", "Unauthorized").dump();
  return r;
}

// The connection after a 101, starting with the bytes the HTTP parser had already read.
template <class Stream>
class UpgradedStream : public ByteStream {
 public:
  UpgradedStream(Stream& stream, beast::flat_buffer& buffered) : stream_(stream), buffered_(buffered) {}
  asio::awaitable<size_t> read(asio::mutable_buffer into) override {
    if (buffered_.size() > 0) {
      size_t n = asio::buffer_copy(into, buffered_.data());
      buffered_.consume(n);
      co_return n;
    }
    if (closed_) co_return 0;
    boost::system::error_code ec;
    size_t n = co_await stream_.async_read_some(into, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec ? 0 : n;
  }
  asio::awaitable<bool> write(asio::const_buffer data) override {
    if (closed_) co_return false;
    boost::system::error_code ec;
    co_await asio::async_write(stream_, data, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }
  void close() override {
    closed_ = true;
    boost::system::error_code ec;
    lowestLayer(stream_).shutdown(asio::socket_base::shutdown_both, ec);
  }

 private:
  static auto& lowestLayer(Tcp::socket& s) { return s; }
  static auto& lowestLayer(Unix::socket& s) { return s; }
  static auto& lowestLayer(TlsStream& s) { return s.next_layer(); }
  Stream& stream_;
  beast::flat_buffer& buffered_;
  bool closed_ = false;
};

// The chunked body of a streamed response, over whichever stream the connection uses.
template <class Stream>
class ChunkWriter : public ResponseStream {
 public:
  explicit ChunkWriter(Stream& stream) : stream_(stream) {}
  asio::awaitable<bool> write(const std::string& data) override {
    if (data.empty()) co_return !failed_;
    if (failed_) co_return false;
    boost::system::error_code ec;
    auto chunk = http::make_chunk(asio::buffer(data));
    co_await asio::async_write(stream_, chunk, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) failed_ = true;
    co_return !failed_;
  }
  bool clientGone() override {
    if (failed_) return true;
    pollfd p{nativeFd(stream_), POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }
  bool failed() const { return failed_; }

 private:
  Stream& stream_;
  bool failed_ = false;
};

}  // namespace

Status HttpServer::listen(const std::string& address, ListenerSecurity security) {
  try {
    if (address.rfind("unix://", 0) == 0) {
      std::string path = address.substr(7);
      ::unlink(path.c_str());
      auto acceptor = std::make_shared<Unix::acceptor>(io_, Unix::endpoint(path));
      closeOnExec(acceptor->native_handle());
      ::chmod(path.c_str(), 0600);  // root-only: the socket grants full control of the node
      asio::co_spawn(io_, acceptLoop(acceptor, std::move(security)), asio::detached);
      bound_.push_back(address);
      return {};
    }
    if (address.rfind("tcp://", 0) == 0) {
      std::string hostport = address.substr(6);
      size_t colon = hostport.rfind(':');
      if (colon == std::string::npos) return Error("listen " + address + ": missing port");
      std::string host = hostport.substr(0, colon);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      auto ip = asio::ip::make_address(host);
      auto port = static_cast<unsigned short>(std::stoi(hostport.substr(colon + 1)));
      auto acceptor = std::make_shared<Tcp::acceptor>(io_, Tcp::endpoint(ip, port));
      closeOnExec(acceptor->native_handle());
      std::string scheme = security.tls ? "https://" : "http://";
      std::string shown = ip.is_v6() ? "[" + host + "]" : host;
      bound_.push_back(scheme + shown + ":" + std::to_string(acceptor->local_endpoint().port()));
      asio::co_spawn(io_, acceptLoop(acceptor, std::move(security)), asio::detached);
      return {};
    }
  } catch (const std::exception& e) {
    return Error("listen " + address + ": " + e.what());
  }
  return Error("listen " + address + ": address must start with unix:// or tcp://");
}

template <class Acceptor>
asio::awaitable<void> HttpServer::acceptLoop(std::shared_ptr<Acceptor> acceptor, ListenerSecurity security) {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log::warn("accept: " + ec.message());
      continue;
    }
    closeOnExec(socket.native_handle());
    if constexpr (std::is_same_v<decltype(socket), Tcp::socket>) {
      if (security.tls) {
        asio::co_spawn(io_, serveTls(std::move(socket), security), asio::detached);
        continue;
      }
    }
    asio::co_spawn(io_, serve(std::move(socket), security), asio::detached);
  }
}

asio::awaitable<void> HttpServer::serveTls(Tcp::socket socket, ListenerSecurity security) {
  TlsStream stream(std::move(socket), *security.tls);
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;  // a client that does not trust us, or a port scan
  co_await serve(std::move(stream), std::move(security));
}

template <class Stream>
asio::awaitable<void> HttpServer::serve(Stream stream, ListenerSecurity security) {
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
    if (!security.token.empty() && !tokenMatches(request.header("authorization"), security.token)) {
      resp = unauthorized();
    } else {
      try {
        resp = co_await handler_(std::move(request));
      } catch (const std::exception& e) {
        resp = Response{};
        resp.status = 500;
        resp.body = api::statusFailure(500, "InternalError", "internal error").dump();
        log::error(std::string("handler: ") + e.what());
      }
    }
    if (resp.upgrade) {
      http::response<http::empty_body> head{static_cast<http::status>(resp.status), version};
      for (auto& [k, v] : resp.headers) head.set(k, v);
      co_await http::async_write(stream, head, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      UpgradedStream<Stream> upgraded(stream, buffer);
      try {
        co_await resp.upgrade(upgraded);
      } catch (const std::exception& e) {
        log::error(std::string("upgraded connection: ") + e.what());
      }
      upgraded.close();
      co_return;
    }
    if (resp.stream) {
      http::response<http::empty_body> head{static_cast<http::status>(resp.status), version};
      head.set(http::field::content_type, resp.contentType);
      for (auto& [k, v] : resp.headers) head.set(k, v);
      head.keep_alive(keepAlive);
      head.chunked(true);
      http::response_serializer<http::empty_body> sr{head};
      co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ChunkWriter<Stream> writer(stream);
      try {
        co_await resp.stream(writer);
      } catch (const std::exception& e) {
        log::error(std::string("stream: ") + e.what());
        co_return;
      }
      if (writer.failed()) co_return;
      auto last = http::make_chunk_last();
      co_await asio::async_write(stream, last, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keepAlive) co_return;
      continue;
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
