// HttpClient: synchronous HTTP/1.1 requests to the peapod API over a unix socket, TCP or TLS
// (with the endpoint's bearer token).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cli/endpoint.h"

namespace peapod::cli {

struct HttpResponse {
  int status = 0;
  std::string contentType;
  std::string body;
};

class HttpClient {
 public:
  // server: "unix:///run/peapod/peapod.sock", "tcp://127.0.0.1:6443", "http://127.0.0.1:6443", or
  // "https://127.0.0.1:6443" with the endpoint's CA and token.
  explicit HttpClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body = "",
                               const std::string& contentType = "application/json");
  // GET whose body is handed to onData piece by piece as it arrives (log follow, watch), with no
  // read timeout. A non-2xx status comes back with the whole body and onData is not called.
  Result<HttpResponse> stream(const std::string& target, const std::function<void(std::string_view)>& onData);
  // The same, ending (closing the connection) as soon as onData returns false.
  Result<HttpResponse> streamWhile(const std::string& target, const std::function<bool(std::string_view)>& onData);
  const std::string& server() const { return endpoint_.server; }
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
};

// Percent-encodes a query value.
std::string urlEncode(const std::string& s);

}  // namespace peapod::cli
