// Router: maps Kubernetes API paths (/api/v1/namespaces/{ns}/pods/{name}/{sub}) and peapod's own
// (/peapod/v1/...) to the handlers.
#pragma once

#include <string>

#include "server/beast.h"
#include "server/http_types.h"
#include "server/image_api.h"
#include "server/objects_api.h"
#include "server/pod_api.h"
#include "server/streaming/streaming_api.h"
#include "server/watch.h"

namespace peapod::server {

// The parts of a resource path: /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]].
struct ResourcePath {
  bool valid = false;
  std::string ns, resource, name, subresource;
};
ResourcePath parseResourcePath(const std::string& path);

class Router {
 public:
  Router(PodApi& pods, ImageApi& images, ObjectApi* objects = nullptr, WatchHub* watches = nullptr,
         streaming::StreamingApi* streaming = nullptr)
      : pods_(pods), images_(images), objects_(objects), watches_(watches), streaming_(streaming) {}
  asio::awaitable<Response> handle(Request req);

 private:
  Response pods(const Request& req, const ResourcePath& p);
  Response objects(const Request& req, const ResourcePath& p);

  PodApi& pods_;
  ImageApi& images_;
  ObjectApi* objects_;
  WatchHub* watches_;
  streaming::StreamingApi* streaming_;  // exec, attach, portforward
};

}  // namespace peapod::server
