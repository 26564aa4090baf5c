#include "server/router.h"

#include <sstream>
#include <vector>

#include "server/api_status.h"
#include "server/discovery.h"
#include "server/patch.h"
#include "server/protobuf.h"

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
  if (parts[i] == "watch") ++i;  // the legacy /api/v1/watch/... form
  if (i >= parts.size()) return p;
  if (parts[i] == "namespaces" && parts.size() >= i + 3) {
    p.ns = parts[i + 1];
    i += 2;
  }
  p.resource = parts[i++];
  if (i < parts.size()) p.name = parts[i++];
  if (i < parts.size()) p.subresource = parts[i++];
  p.valid = i == parts.size();
  return p;
}

asio::awaitable<Response> Router::handle(Request req) {
  if (req.path.starts_with("/peapod/v1/images")) co_return co_await images_.handle(req);
  if (auto d = discovery(req.path); d) co_return *d;
  // JSON and YAML bodies; protobuf only for the simple kinds kubectl 1.35's typed clients send.
  if (std::string ct = req.header("content-type"); !req.body.empty() && isProtobufContentType(ct)) {
    auto decoded = decodeK8sProtobuf(req.body);
    if (decoded.ok()) {
      req.body = decoded->dump();
      req.headers["content-type"] = "application/json";
    }
  }
  if (std::string ct = req.header("content-type");
      !req.body.empty() && (ct.find("protobuf") != std::string::npos || ct.find("cbor") != std::string::npos)) {
    co_return statusError(415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media types include: "
                          "application/json, application/yaml");
  }
  if (req.path.rfind("/api/v1/watch/", 0) == 0) req.query["watch"] = "true";
  auto p = parseResourcePath(req.path);
  if (p.valid && p.resource == "pods") co_return pods(req, p);
  if (p.valid && objects_ && isSimpleResource(p.resource)) co_return objects(req, p);
  co_return statusError(404, "NotFound", "the server could not find the requested resource");
}

Response Router::pods(const Request& req, const ResourcePath& p) {
  const std::string& m = req.method;
  if (p.name.empty()) {
    if (m == "GET" && req.flag("watch") && watches_) return watches_->watch(req, "pods", p.ns);
    if (m == "GET") return pods_.list(req, p.ns);
    if (m == "POST" && !p.ns.empty()) {
      if (objects_) {
        if (auto ok = objects_->checkNamespaceWritable(p.ns); ok.status != 200) return ok;
      }
      return pods_.create(req, p.ns);
    }
    return methodNotAllowed();
  }
  if (p.ns.empty()) return statusError(404, "NotFound", "the server could not find the requested resource");
  if (p.subresource.empty()) {
    if (m == "GET") return pods_.get(req, p.ns, p.name);
    if (m == "PUT") return pods_.update(req, p.ns, p.name, false);
    if (m == "PATCH") {
      if (objects_ && patchTypeOf(req.header("content-type")) == PatchType::kApply &&
          pods_.get(p.ns, p.name).status == 404) {
        if (auto ok = objects_->checkNamespaceWritable(p.ns); ok.status != 200) return ok;
      }
      return pods_.patch(req, p.ns, p.name, false);
    }
    if (m == "DELETE") return pods_.remove(req, p.ns, p.name);
    return methodNotAllowed();
  }
  if (p.subresource == "log" && m == "GET") return pods_.log(req, p.ns, p.name);
  if (streaming_ && (p.subresource == "exec" || p.subresource == "attach" || p.subresource == "portforward")) {
    return streaming_->handle(req, p.ns, p.name, p.subresource);
  }
  if (p.subresource == "status") {
    if (m == "GET") return pods_.get(req, p.ns, p.name);
    if (m == "PUT") return pods_.update(req, p.ns, p.name, true);
    if (m == "PATCH") return pods_.patch(req, p.ns, p.name, true);
    return methodNotAllowed();
  }
  return statusError(404, "NotFound", "the server could not find the requested resource");
}

Response Router::objects(const Request& req, const ResourcePath& p) {
  const std::string& m = req.method;
  // /api/v1/namespaces/{name} parses as resource "namespaces" with the name.
  bool namespaced = isNamespaced(p.resource);
  if (namespaced && p.ns.empty() && !(p.name.empty() && m == "GET")) {
    return statusError(404, "NotFound", "the server could not find the requested resource");
  }
  if (!p.subresource.empty() && p.subresource != "status") {
    return statusError(404, "NotFound", "the server could not find the requested resource");
  }
  if (p.name.empty()) {
    if (m == "GET" && req.flag("watch") && watches_) return watches_->watch(req, p.resource, namespaced ? p.ns : "");
    if (m == "GET") return objects_->list(req, p.resource, p.ns);
    if (m == "POST") {
      if (namespaced) {
        if (auto ok = objects_->checkNamespaceWritable(p.ns); ok.status != 200) return ok;
      }
      return objects_->create(req, p.resource, p.ns);
    }
    return methodNotAllowed();
  }
  if (m == "GET") return objects_->get(req, p.resource, p.ns, p.name);
  if (m == "PUT") return objects_->update(req, p.resource, p.ns, p.name);
  if (m == "PATCH") return objects_->patch(req, p.resource, p.ns, p.name);
  if (m == "DELETE") return objects_->remove(req, p.resource, p.ns, p.name);
  return methodNotAllowed();
}

}  // namespace peapod::server
