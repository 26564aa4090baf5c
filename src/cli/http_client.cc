#include "cli/http_client.h"

#include <cctype>
#include <sys/socket.h>
#include <sys/time.h>

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/tls_client.h"

namespace peapod::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// A server that accepts but never answers must not hang the CLI forever.
void setTimeouts(int fd) {
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

template <class Stream>
void writeRequest(Stream& stream, const std::string& method, const std::string& target, const std::string& body,
                  const std::string& contentType, const std::string& host, const std::string& token) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.set(http::field::user_agent, "peapod");
  req.set(http::field::accept, "application/json");
  if (!body.empty()) {
    req.set(http::field::content_type, contentType);
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
}

// Reads the response body in pieces as they arrive; the status line and headers first. read_some,
// not read: read() waits until the 16 KiB buffer is full, which held watch events and followed
// log lines back until more arrived. Stops early when onData returns false.
template <class Stream>
HttpResponse streamBody(Stream& stream, const std::function<bool(std::string_view)>& onData) {
  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(stream, buffer, parser);
  HttpResponse r{static_cast<int>(parser.get().result_int()), std::string(parser.get()[http::field::content_type]), ""};
  bool ok = r.status >= 200 && r.status < 300;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    boost::system::error_code ec;
    http::read_some(stream, buffer, parser, ec);
    if (ec && ec != http::error::need_buffer) break;
    std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (got.empty()) continue;
    if (!ok) {
      r.body.append(got);
    } else if (!onData(got)) {
      break;
    }
  }
  return r;
}

template <class Stream>
HttpResponse exchange(Stream& stream, const std::string& method, const std::string& target, const std::string& body,
                      const std::string& contentType, const std::string& host, const std::string& token) {
  setTimeouts(boost::beast::get_lowest_layer(stream).native_handle());
  writeRequest(stream, method, target, body, contentType, host, token);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  http::read(stream, buffer, parser);
  auto& res = parser.get();
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), std::move(res.body())};
}

// Connects to the server and runs fn(stream, hostHeader) on the connected socket.
template <class Fn>
Result<HttpResponse> withConnection(const Endpoint& ep, Fn fn) {
  const std::string& server = ep.server;
  if (ep.tls()) {
    auto conn = dialTls(ep);
    if (!conn.ok()) return conn.error();
    try {
      return fn(*conn->stream, conn->hostport);
    } catch (const std::exception& e) {
      return Error("request to the peapod API at " + server + " failed: " + e.what());
    }
  }
  try {
    asio::io_context io;
    if (server.rfind("unix://", 0) == 0) {
      asio::local::stream_protocol::socket sock(io);
      sock.connect(asio::local::stream_protocol::endpoint(server.substr(7)));
      return fn(sock, std::string("localhost"));
    }
    std::string hostport = server;
    for (const char* scheme : {"tcp://", "http://"}) {
      if (hostport.rfind(scheme, 0) == 0) hostport = hostport.substr(std::string(scheme).size());
    }
    size_t colon = hostport.rfind(':');
    if (colon == std::string::npos) return Error("server address \"" + server + "\" has no port");
    asio::ip::tcp::resolver resolver(io);
    asio::ip::tcp::socket sock(io);
    asio::connect(sock, resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1)));
    return fn(sock, hostport);
  } catch (const std::exception& e) {
    return Error("cannot reach the peapod API at " + server + ": " + e.what() +
                 " (is `peapod daemon` running? set --server or PEAPOD_SERVER)");
  }
}

}  // namespace

Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& target,
                                         const std::string& body, const std::string& contentType) {
  return withConnection(endpoint_, [&](auto& sock, const std::string& host) {
    return exchange(sock, method, target, body, contentType, host, endpoint_.token);
  });
}

Result<HttpResponse> HttpClient::stream(const std::string& target, const std::function<void(std::string_view)>& onData) {
  return streamWhile(target, [&](std::string_view d) {
    onData(d);
    return true;
  });
}

Result<HttpResponse> HttpClient::streamWhile(const std::string& target,
                                             const std::function<bool(std::string_view)>& onData) {
  return withConnection(endpoint_, [&](auto& sock, const std::string& host) {
    writeRequest(sock, "GET", target, "", "", host, endpoint_.token);
    return streamBody(sock, onData);
  });
}

std::string urlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace peapod::cli
