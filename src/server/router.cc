#include "server/router.h"

#include <sstream>
#include <vector>

#include "server/api_status.h"
#include "server/discovery.h"

namespace peapod::server {
namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

ResourcePath parseResourcePath(const std::string& path) {
  auto parts = splitPath(path);
  ResourcePath p;
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1") return p;
  size_t i = 2;
  if (parts[i] == "namespaces" && parts.size() >= 5) {
    p.ns = parts[3];
    i = 4;
  }
  p.resource = parts[i++];
  if (i < parts.size()) p.name = parts[i++];
  if (i < parts.size()) p.subresource = parts[i++];
  p.valid = i == parts.size();
  return p;
}

asio::awaitable<Response> Router::handle(Request req) {
  if (req.path == "/peapod/v1/images" && req.method == "GET") co_return images_.list();
  if (req.path == "/peapod/v1/images/import" && req.method == "POST") co_return co_await images_.import(req);
  if (auto d = discovery(req.path); d) co_return *d;
  auto p = parseResourcePath(req.path);
  if (p.valid && p.resource == "pods") co_return pods(req, p);
  co_return statusError(404, "NotFound", "the server could not find the requested resource");
}

Response Router::pods(const Request& req, const ResourcePath& p) {
  const std::string& m = req.method;
  if (p.name.empty()) {
    if (m == "GET") return pods_.list(req, p.ns);
    if (m == "POST" && !p.ns.empty()) return pods_.create(req, p.ns);
    return methodNotAllowed();
  }
  if (p.ns.empty()) return statusError(404, "NotFound", "the server could not find the requested resource");
  if (p.subresource.empty()) {
    if (m == "GET") return pods_.get(p.ns, p.name);
    if (m == "DELETE") return pods_.remove(req, p.ns, p.name);
    return methodNotAllowed();
  }
  if (p.subresource == "log" && m == "GET") return pods_.log(req, p.ns, p.name);
  if (p.subresource == "status" && m == "GET") return pods_.get(p.ns, p.name);
  return statusError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace peapod::server
