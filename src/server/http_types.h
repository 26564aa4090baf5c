// Request and Response as the API handlers see them, independent of the transport.
#pragma once

#include <map>
#include <string>

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

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// Splits "a=b&c=%2Fd" into a map with percent- and plus-decoding.
std::map<std::string, std::string> parseQuery(const std::string& query);
std::string percentDecode(const std::string& s);

}  // namespace peapod::server
