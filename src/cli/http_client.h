// HttpClient: synchronous HTTP/1.1 requests to the peapod API over a unix socket or TCP.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace peapod::cli {

struct HttpResponse {
  int status = 0;
  std::string contentType;
  std::string body;
};

class HttpClient {
 public:
  // server: "unix:///run/peapod/peapod.sock", "tcp://127.0.0.1:6443" or "http://127.0.0.1:6443".
  explicit HttpClient(std::string server) : server_(std::move(server)) {}

  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body = "",
                               const std::string& contentType = "application/json");
  // GET whose body is handed to onData piece by piece as it arrives (log follow, watch), with no
  // read timeout. A non-2xx status comes back with the whole body and onData is not called.
  Result<HttpResponse> stream(const std::string& target, const std::function<void(std::string_view)>& onData);
  const std::string& server() const { return server_; }

 private:
  std::string server_;
};

// Percent-encodes a query value.
std::string urlEncode(const std::string& s);

}  // namespace peapod::cli
