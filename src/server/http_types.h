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

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  StreamBody stream;  // when set, the body is produced chunk by chunk after the headers
};

// Splits "a=b&c=%2Fd" into a map with percent- and plus-decoding.
std::map<std::string, std::string> parseQuery(const std::string& query);
std::string percentDecode(const std::string& s);

}  // namespace peapod::server
