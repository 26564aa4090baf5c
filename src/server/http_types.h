// Request and Response as the API handlers see them, independent of the transport.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "server/beast.h"

namespace peapod::server {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string rawQuery;  // undecoded, for repeated parameters (exec's command=)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(const std::string& name, const std::string& fallback = "") const {
    auto it = query.find(name);
    return it == query.end() ? fallback : it->second;
  }
  bool flag(const std::string& name) const { return param(name) == "true" || param(name) == "1"; }
};

// The open connection of a streamed (chunked) response: watches and `logs -f`.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends one chunk; false once the client is gone.
  virtual asio::awaitable<bool> write(const std::string& data) = 0;  // keep data alive until done
  // True when the client has closed its end (checked without blocking).
  virtual bool clientGone() = 0;
};
using StreamBody = std::function<asio::awaitable<void>(ResponseStream&)>;

// The raw connection after a protocol upgrade (101 Switching Protocols): exec, attach and
// port-forward speak WebSocket or SPDY on it. At most one read and one write may be outstanding
// at a time; callers with several writers serialise them.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads at least one byte into `into`; 0 once the peer closed or the connection failed.
  virtual asio::awaitable<size_t> read(asio::mutable_buffer into) = 0;
  // Writes all of `data` (keep it alive until done); false once the connection failed.
  virtual asio::awaitable<bool> write(asio::const_buffer data) = 0;
  // Closes the connection; a pending read or write completes with failure.
  virtual void close() = 0;
};
using UpgradeBody = std::function<asio::awaitable<void>(ByteStream&)>;

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  StreamBody stream;  // when set, the body is produced chunk by chunk after the headers
  // When set (with status 101 and the Upgrade/Connection headers), the server sends the head and
  // hands the connection over; it is closed when `upgrade` returns.
  UpgradeBody upgrade;
};

// Splits "a=b&c=%2Fd" into a map with percent- and plus-decoding.
std::map<std::string, std::string> parseQuery(const std::string& query);
std::string percentDecode(const std::string& s);

}  // namespace peapod::server
